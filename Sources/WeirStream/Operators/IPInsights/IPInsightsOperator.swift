import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirIPInsights
import WeirRegistry

/// Scores each login event's (entity, address) with an IP Insights model and adds:
/// `ip_insights_score` (the dot product; low = unusual), `ip_insights_normal_share` (the
/// share of normal logins scoring lower, from the model's calibration), `fraud` (score
/// below the threshold), `known_entity` and `model_version`. A flagged event is also
/// emitted as an alert copy (variant `alert_variant`, with `alert_reason`). Entities the
/// model never saw follow `unseen_entity`. The model is swapped between two records when
/// its file changes or the registry serves a new version: no record is lost or scored
/// twice, and a model that fails to load leaves the current one serving.
public final class IPInsightsOperator: StreamOperator {
    public let name = "ip_insights"
    let spec: IPInsightsOperatorSpec
    private let logger = Logger(label: "weir.ip_insights")
    private var scorer: IPInsightsScorer?
    private var threshold = -Double.infinity
    private var modelVersion = ""
    private var registrySource: RegistryModelSource<IPInsightsScorer>?
    private var fileSource: FileModelSource<IPInsightsScorer>?
    private let scored = Counter(label: "weir_ip_insights_scored_total")
    private let flagged = Counter(label: "weir_ip_insights_alerts_total")
    private let unseen = Counter(label: "weir_ip_insights_unseen_entities_total")

    public init(_ spec: IPInsightsOperatorSpec) {
        self.spec = spec
    }

    public func open() throws {
        switch spec.model {
        case .file(let path):
            let source = FileModelSource(path: path, fileName: IPInsightsAlgorithm.info.modelFile, intervalMs: spec.reloadIntervalMs) { bytes, name in
                IPInsightsScorer(model: try IPInsightsModel(snapshot: bytes, name: name))
            }
            try source.load()
            fileSource = source
            install(source.model!, version: source.version)
        case .registry(let reference):
            let source = try RegistryModelSource(reference, features: nil) { envelope, label in
                IPInsightsScorer(model: try RegistrySnapshot.model(IPInsightsModel.self, algorithm: IPInsightsAlgorithm.info.name,
                                                                    envelope: envelope, label: label, features: nil))
            }
            registrySource = source
            if source.check(), let served = source.served { install(served.model, version: served.label) }
        }
    }

    private func install(_ newScorer: IPInsightsScorer, version: String) {
        let model = newScorer.model
        if let fixed = spec.threshold {
            threshold = fixed
        } else if let calibration = model.calibration {
            threshold = calibration.threshold(falsePositiveRate: spec.falsePositiveRate ?? model.falsePositiveRate)
        } else {
            threshold = -Double.infinity
            logger.warning("the model carries no calibration and no threshold is set: nothing will be flagged", metadata: ["model": "\(version)"])
        }
        scorer = newScorer
        modelVersion = version
        logger.info("serving an IP Insights model", metadata: ["model": "\(version)", "threshold": "\(threshold)"])
    }

    /// Swaps in a newer model when one is due; failures keep the current one.
    private func reloadIfDue() {
        if let source = registrySource {
            if source.poll(), let served = source.served { install(served.model, version: served.label) }
            return
        }
        if let source = fileSource, source.poll(), let model = source.model { install(model, version: source.version) }
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var event = consume event
        reloadIfDue()
        guard let scorer else {
            throw RecordError(.process, "no IP Insights model is served yet (the registry has no version in its stage)")
        }
        guard let entity = event.identifier(spec.entityField), !entity.isEmpty else {
            throw RecordError(.process, field: spec.entityField, "expected the entity (a non-empty string)")
        }
        guard case .string(let addressText)? = event.fields[spec.ipField], let address = IPAddress(addressText) else {
            let found = event.fields[spec.ipField].map { JSONWriter.string(of: $0) } ?? "nothing"
            throw RecordError(.process, field: spec.ipField, "expected an IPv4 or IPv6 address, found \(found.prefix(60))")
        }
        let model = scorer.model
        let key = EntityKey(entity)
        let known = model.wasTrained(on: key)
        event.fields.set("known_entity", .bool(known))
        event.fields.set("model_version", .string(modelVersion))
        if !known && spec.unseenEntity != .score {
            unseen.increment()
            switch spec.unseenEntity {
            case .deadLetter:
                throw RecordError(.process, field: spec.entityField, "entity '\(entity.prefix(60))' was not in the model's training data")
            case .alert:
                output.append(event)
                emitAlert(event, reason: "unseen_entity", into: &output)
            default:
                output.append(event)
            }
            return
        }
        let score = Double(scorer.score(entityRow: model.entityRow(key), address: address))
        let fraud = score < threshold
        scored.increment()
        event.fields.set("ip_insights_score", .number(score))
        if let calibration = model.calibration {
            event.fields.set("ip_insights_normal_share", .number(calibration.normalShareBelow(score)))
        }
        event.fields.set("fraud", .bool(fraud))
        registrySource?.observe(anomaly: fraud)
        output.append(event)
        if fraud {
            flagged.increment()
            emitAlert(event, reason: "unusual_ip_for_entity", into: &output)
        }
    }

    private func emitAlert(_ event: Event, reason: String, into output: inout [Event]) {
        guard let variant = spec.alertVariant else { return }
        var alert = event
        alert.fields.set("alert_reason", .string(reason))
        alert.headers.append(RecordHeader(RecordHeader.variantName, variant))
        output.append(alert)
    }
}
