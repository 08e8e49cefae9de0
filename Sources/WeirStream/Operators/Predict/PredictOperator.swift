import Foundation
import Logging
import Metrics
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirRegistry

/// Applies any servable catalogue model to each event, as its endpoint would answer one
/// request record, and adds the response's fields (behind `output_prefix`). Several
/// `predict` operators in a row form an inference pipeline (PCA, then K-Means on its
/// projection). The model is loaded at open and swapped between two records when its file
/// changes or the registry serves a new version; a model that fails its checks leaves
/// the current one serving. An event the model cannot take (a missing or non-numeric
/// field, the wrong arity) goes to the dead-letter sink naming the field; for models that
/// take missing values (XGBoost), an absent or null field is a missing value instead.
public final class PredictOperator: StreamOperator {
    public let name = "predict"
    let spec: PredictOperatorSpec
    let catalog: AlgorithmCatalog
    let schemaFeatures: [String]
    private let logger = Logger(label: "weir.predict")
    private var model: ModelSubscription<any BatchPredictor>?
    private let answered = Counter(label: "weir_predict_answered_total")
    private let timer = Metrics.Timer(label: "weir_predict_seconds")

    public init(_ spec: PredictOperatorSpec, catalog: AlgorithmCatalog, schemaFeatures: [String]) {
        self.spec = spec
        self.catalog = catalog
        self.schemaFeatures = schemaFeatures
    }

    var requestFields: [String] { spec.features.isEmpty ? schemaFeatures : spec.features }

    public func open() throws {
        let validator = SnapshotValidator(catalog: catalog)
        let fields = requestFields
        let decodeEnvelope: (SnapshotEnvelope, String) throws -> any BatchPredictor = { [catalog] envelope, label in
            let decoded = try validator.validate(envelope, features: nil)
            if let inputs = decoded.inputCount, !fields.isEmpty {
                try SnapshotValidator.checkSchema(envelope, features: fields, inputs: inputs)
            }
            return try catalog.entry(named: envelope.algorithm).predictor(snapshot: envelope.payload, name: label)
        }
        switch spec.model {
        case .file(let path):
            let entry = try resolve(path)
            model = try ModelSubscription(spec.model, fileName: entry.info.modelFile, reloadIntervalMs: spec.reloadIntervalMs,
                                          decodeFile: { bytes, name in try entry.predictor(snapshot: bytes, name: name) },
                                          decodeEnvelope: decodeEnvelope)
        case .registry:
            model = try ModelSubscription(spec.model, fileName: "", reloadIntervalMs: spec.reloadIntervalMs,
                                          decodeFile: { _, name in throw RecordError(.process, "\(name): not a registry model") },
                                          decodeEnvelope: decodeEnvelope)
        }
        if let version = model?.served?.version { logger.info("serving a model", metadata: ["model": "\(version)"]) }
    }

    /// The snapshot file and catalogue entry of a model folder (by its `model.json`) or
    /// of a file whose algorithm the spec names.
    private func resolve(_ path: String) throws -> CatalogEntry {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RecordError(.process, field: "model", "no model folder or file at \(path)")
        }
        let algorithm: String
        if isDirectory.boolValue {
            algorithm = try spec.algorithm ?? catalog.entry(ofModelDirectory: path).name
        } else {
            guard let named = spec.algorithm else {
                throw RecordError(.process, field: "algorithm", "a model file needs 'algorithm' (a model folder names it in model.json)")
            }
            algorithm = named
        }
        let entry = try catalog.entry(named: algorithm)
        guard entry.predictorInput != nil else { throw RecordError(.process, field: "model", "\(entry.name) models do not answer requests") }
        return entry
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var event = consume event
        guard let subscription = model else { throw RecordError(.process, "predict is not open") }
        if subscription.refresh() { logger.info("serving a model", metadata: ["model": "\(subscription.served?.version ?? "")"]) }
        guard let current = subscription.served else { throw RecordError(.process, "no model is served yet (the registry has no version in its stage)") }
        let (predictor, modelVersion) = (current.model, current.version)
        let start = ContinuousClock.now
        let response: JSONObject
        do {
            switch type(of: predictor).input {
            case .numeric:
                let missing = type(of: predictor).acceptsMissingValues
                response = try predictor.predict(DataRow(features: .dense(try numbers(event, missingAllowed: missing))))
            case .text: response = try predictor.predict(text: try texts(event), verbose: false)
            case .instances: response = try predictor.predict(instance: instance(event), configuration: nil)
            }
        } catch let error as RecordError {
            throw error
        } catch let error as FormatError {
            throw RecordError(.process, field: error.field, error.message)
        } catch {
            throw RecordError(.process, "\(error)")
        }
        let elapsed = ContinuousClock.now - start
        for field in response.fields { event.fields.set(spec.outputPrefix + field.key, field.value) }
        event.fields.set(spec.outputPrefix + "model_version", .string(modelVersion))
        answered.increment()
        let nanoseconds = elapsed.components.seconds &* 1_000_000_000 &+ elapsed.components.attoseconds / 1_000_000_000
        timer.recordNanoseconds(nanoseconds)
        // A generic model gives no anomaly verdict: its baking guardrail watches scoring time.
        subscription.observe(anomaly: false, nanoseconds: UInt64(clamping: nanoseconds))
        output.append(event)
    }

    /// The request's numbers: each field a number, or an array of numbers (flattened);
    /// with `missingAllowed`, an absent or null field or item is NaN.
    func numbers(_ event: Event, missingAllowed: Bool = false) throws(RecordError) -> [Double] {
        let fields = requestFields
        guard !fields.isEmpty else { throw RecordError(.process, field: "features", "predict needs 'features' or a schema naming the model's inputs") }
        var values: [Double] = []
        for field in fields {
            switch event.fields[field] {
            case .number(let number)?: values.append(number)
            case .array(let items)?:
                for (index, item) in items.enumerated() {
                    if missingAllowed, case .null = item {
                        values.append(.nan)
                        continue
                    }
                    guard case .number(let number) = item else {
                        throw RecordError(.process, field: "\(field)[\(index)]", "expected a number, found \(item.kindName)")
                    }
                    values.append(number)
                }
            case .null? where missingAllowed, nil where missingAllowed: values.append(.nan)
            case let other?: throw RecordError(.process, field: field, "expected a number or an array of numbers, found \(other.kindName)")
            case nil: throw RecordError(.process, field: field, "missing")
            }
        }
        return values
    }

    func texts(_ event: Event) throws(RecordError) -> [String] {
        try requestFields.map { field throws(RecordError) in
            switch event.fields[field] {
            case .string(let text)?: return text
            case .number(let number)?: return NumberText.format(number)
            case let other?: throw RecordError(.process, field: field, "expected text, found \(other.kindName)")
            case nil: throw RecordError(.process, field: field, "missing")
            }
        }
    }

    func instance(_ event: Event) -> JSONObject {
        guard !spec.features.isEmpty else { return event.fields }
        return JSONObject(spec.features.compactMap { name in event.fields[name].map { (name, $0) } })
    }
}
