import Foundation
import WeirCore
import WeirFormats

/// A trained model behind `weir predict`: it turns rows into SageMaker's per-record
/// response objects (`{"score": 0.8}` for RCF), and names the array that holds them in a
/// JSON response (`scores`, `predictions`, `projections`).
public protocol BatchPredictor {
    static var algorithm: String { get }
    static var responseArrayKey: String { get }
    /// What a request record is: numbers, text fields (IP Insights' entity and address),
    /// or whole JSON instances with a request configuration (DeepAR's series).
    static var input: PredictorInput { get }
    init(modelDirectory: String) throws
    func predict(_ row: DataRow) throws -> JSONObject
    /// The response for one record of text fields; `verbose` (`Accept: ...; verbose=True`)
    /// asks for the model's intermediate values too.
    func predict(text fields: [String], verbose: Bool) throws -> JSONObject
    /// The response for one JSON instance under the request's `configuration`.
    func predict(instance: JSONObject, configuration: JSONObject?) throws -> JSONObject
}

public enum PredictorInput: Sendable {
    case numeric, text, instances
}

extension BatchPredictor {
    public static var input: PredictorInput { .numeric }

    /// The bytes of `file` in a model folder, with its path for error messages.
    static func modelFile(_ modelDirectory: String, _ file: String, what: String) throws -> (path: String, bytes: [UInt8]) {
        let path = modelDirectory + "/" + file
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(input: path, .none, "missing: the model folder has no \(what)")
        }
        return (path, Array(data))
    }

    public func predict(text fields: [String], verbose: Bool) throws -> JSONObject {
        throw FormatError(input: "request", .none, "\(Self.algorithm) takes numeric records")
    }

    public func predict(instance: JSONObject, configuration: JSONObject?) throws -> JSONObject {
        throw FormatError(input: "request", .none, "\(Self.algorithm) takes numeric records")
    }
}

/// Finds the predictor for a model folder from its `model.json`.
public enum Predictors {
    public static var all: [any BatchPredictor.Type] { [RandomCutForestPredictor.self, IPInsightsPredictor.self, DeepARPredictor.self] }

    public static func load(modelDirectory: String) throws -> any BatchPredictor {
        let path = modelDirectory + "/model.json"
        guard let metadata = try TrainingJobSpec.jsonObject(path, required: true),
              case .string(let algorithm)? = metadata["algorithm"] else {
            throw FormatError(input: path, .none, field: "algorithm", "missing: not a model folder written by weir train")
        }
        guard let type = all.first(where: { $0.algorithm == algorithm }) else {
            throw FormatError(input: path, .none, field: "algorithm", "no predictor for '\(algorithm)' (available: \(all.map { $0.algorithm }.joined(separator: ", ")))")
        }
        return try type.init(modelDirectory: modelDirectory)
    }
}
