import WeirAlgorithm
import WeirCore

/// The `ip_insights` operator: scores each login's (entity, address) and adds
/// `ip_insights_score` (the dot product; low = unusual), `ip_insights_normal_share` (the
/// share of normal logins scoring lower, from the model's calibration), `fraud` (score
/// below the threshold), `known_entity` and `model_version`. A flagged event is also
/// emitted as an alert copy (variant `alert_variant`, with `alert_reason`). Entities the
/// model never saw follow `unseen_entity`. It keeps no state per key.
extension IPInsightsAlgorithm: Streamable {
    /// What happens to a login whose entity the model was not trained on. Its embedding
    /// row belongs to another entity or to nobody (hashing), so its score means nothing.
    public enum UnseenEntityPolicy: String, Sendable, Equatable, CaseIterable {
        /// Emitted unscored, with `known_entity: false` (the default).
        case skip
        /// As `skip`, and also sent to the alert variant with `alert_reason: unseen_entity`.
        case alert
        /// Scored like any other (SageMaker's behaviour).
        case score
        /// Sent to the dead-letter sink with the reason.
        case deadLetter = "dead_letter"
    }

    public struct Settings: Sendable, Equatable {
        public var entityField = "user"
        public var ipField = "remote_addr"
        /// Overrides the model's calibrated false-positive rate.
        public var falsePositiveRate: Double?
        /// An absolute score threshold, overriding calibration.
        public var threshold: Double?
        public var unseenEntity = UnseenEntityPolicy.skip
        /// The variant alert copies carry (sinks with `variant: alert` take them); nil: no copies.
        public var alertVariant: String? = "alert"
    }

    /// A model ready to score: its scorer (first layer folded into the table) and threshold.
    public struct Served {
        let scorer: IPInsightsScorer
        let threshold: Double
    }

    public static let settingKeys = ["entity_field", "ip_field", "false_positive_rate", "threshold", "unseen_entity", "alert_variant"]

    public static func settings(_ config: OperatorConfig) throws(OperatorConfigError) -> Settings {
        var settings = Settings()
        if let value = try config.string("entity_field") { settings.entityField = value }
        if let value = try config.string("ip_field") { settings.ipField = value }
        if let rate = try config.double("false_positive_rate") {
            guard rate > 0 && rate < 1 else { throw OperatorConfigError(key: "false_positive_rate", "expected a rate between 0 and 1, found \(rate)") }
            settings.falsePositiveRate = rate
        }
        settings.threshold = try config.double("threshold")
        if let policy = try config.choice("unseen_entity", UnseenEntityPolicy.self) { settings.unseenEntity = policy }
        if let variant = try config.optionalString("alert_variant") { settings.alertVariant = variant }
        return settings
    }

    /// Without a threshold or a calibration nothing is flagged (threshold -infinity).
    public static func serve(_ model: IPInsightsModel, settings: Settings) throws -> Served {
        let threshold: Double
        if let fixed = settings.threshold {
            threshold = fixed
        } else if let calibration = model.calibration {
            threshold = calibration.threshold(falsePositiveRate: settings.falsePositiveRate ?? model.falsePositiveRate)
        } else {
            threshold = -.infinity
        }
        return Served(scorer: IPInsightsScorer(model: model), threshold: threshold)
    }

    public static func process(_ state: inout NoKeyState, event: inout Event, served: Served, version: String,
                               settings: Settings) throws(RecordError) -> StreamOutcome {
        guard let entity = event.identifier(settings.entityField), !entity.isEmpty else {
            throw RecordError(.process, field: settings.entityField, "expected the entity (a non-empty string)")
        }
        guard case .string(let addressText)? = event.fields[settings.ipField], let address = IPAddress(addressText) else {
            let found = event.fields[settings.ipField].map { JSONWriter.string(of: $0) } ?? "nothing"
            throw RecordError(.process, field: settings.ipField, "expected an IPv4 or IPv6 address, found \(found.prefix(60))")
        }
        let model = served.scorer.model
        let key = EntityKey(entity)
        let known = model.wasTrained(on: key)
        if !known && settings.unseenEntity == .deadLetter {
            throw RecordError(.process, field: settings.entityField, "entity '\(entity.prefix(60))' was not in the model's training data")
        }
        event.fields.set("known_entity", .bool(known))
        event.fields.set("model_version", .string(version))
        if !known && settings.unseenEntity != .score {
            let alerts = settings.unseenEntity == .alert ? alert(event, reason: "unseen_entity", settings: settings) : []
            return StreamOutcome(.noDecision("unseen_entity"), extraEvents: alerts)
        }
        let score = Double(served.scorer.score(entityRow: model.entityRow(key), address: address))
        let fraud = score < served.threshold
        event.fields.set("ip_insights_score", .number(score))
        if let calibration = model.calibration {
            event.fields.set("ip_insights_normal_share", .number(calibration.normalShareBelow(score)))
        }
        event.fields.set("fraud", .bool(fraud))
        guard fraud else { return StreamOutcome(.normal) }
        return StreamOutcome(.anomalous, extraEvents: alert(event, reason: "unusual_ip_for_entity", settings: settings))
    }

    /// The alert copy of `event`, when alerts have a variant.
    static func alert(_ event: Event, reason: String, settings: Settings) -> [Event] {
        guard let variant = settings.alertVariant else { return [] }
        var alert = event
        alert.fields.set("alert_reason", .string(reason))
        alert.headers.append(RecordHeader(RecordHeader.variantName, variant))
        return [alert]
    }
}
