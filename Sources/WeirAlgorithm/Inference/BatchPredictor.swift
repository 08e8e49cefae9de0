import Foundation
import WeirCore
import WeirFormats

/// A model serving SageMaker's inference contract: it turns request records into
/// per-record response objects (`{"score": 0.8}` for RCF), and names the array that holds
/// them in a JSON response (`scores`, `predictions`, `projections`).
public protocol BatchPredictor {
    static var algorithm: String { get }
    static var responseArrayKey: String { get }
    /// What a request record is: numbers, text fields (IP Insights' entity and address),
    /// or whole JSON instances with a request configuration (DeepAR's series).
    static var input: PredictorInput { get }
    func predict(_ row: DataRow) throws -> JSONObject
    /// The response for one numeric record; `verbose` asks for the model's intermediate
    /// values too (k-NN's neighbours).
    func predict(_ row: DataRow, verbose: Bool) throws -> JSONObject
    /// Numeric records `weir predict` answers at once through `predict(batch:verbose:)`
    /// (1: record by record, each response written as it is made).
    static var preferredBatchSize: Int { get }
    /// Whether a libsvm request's indices are the features themselves (xgboost's
    /// reading) rather than 1-based.
    static var libsvmZeroBased: Bool { get }
    /// Whether a missing value (NaN) is a value the model takes (xgboost's trees send it
    /// down each split's default branch) rather than an error.
    static var acceptsMissingValues: Bool { get }
    /// The responses for several numeric records, for predictors that answer a batch faster
    /// than its records one by one (k-NN's matrix products). A bad record throws
    /// `BatchRecordError` with its place in the batch.
    func predict(batch rows: [DataRow], verbose: Bool) throws -> [JSONObject]
    /// The response for one record of text fields; `verbose` (`Accept: ...; verbose=True`)
    /// asks for the model's intermediate values too.
    func predict(text fields: [String], verbose: Bool) throws -> JSONObject
    /// The response for one JSON instance under the request's `configuration`.
    func predict(instance: JSONObject, configuration: JSONObject?) throws -> JSONObject
}

/// An algorithm whose models answer requests: `weir predict`, endpoints, batch transform
/// and the stream's `predict` operator all serve it through its predictor.
public protocol Servable: Algorithm {
    associatedtype Predictor: BatchPredictor
    static func predictor(for model: Model) throws -> Predictor
}

/// The kind of record a predictor takes, and so the content types it reads and writes.
public enum PredictorInput: Sendable {
    case numeric, text, instances

    /// Request content types.
    public var contentTypes: [String] {
        switch self {
        case .numeric: return ["text/csv", "application/json", "application/jsonlines", "application/x-recordio-protobuf", "text/libsvm"]
        case .text: return ["text/csv", "application/json", "application/jsonlines"]
        case .instances: return ["application/json", "application/jsonlines"]
        }
    }

    /// Response (accept) types.
    public var acceptTypes: [String] {
        switch self {
        case .numeric, .text: return ["application/json", "application/jsonlines", "text/csv", "application/x-recordio-protobuf"]
        case .instances: return ["application/json", "application/jsonlines"]
        }
    }
}

extension BatchPredictor {
    public static var input: PredictorInput { .numeric }

    public func predict(_ row: DataRow) throws -> JSONObject {
        throw FormatError(input: "request", .none, "\(Self.algorithm) does not take numeric records")
    }

    public func predict(_ row: DataRow, verbose: Bool) throws -> JSONObject {
        try predict(row)
    }

    public static var preferredBatchSize: Int { 1 }

    public static var libsvmZeroBased: Bool { false }
    public static var acceptsMissingValues: Bool { false }

    public func predict(batch rows: [DataRow], verbose: Bool) throws -> [JSONObject] {
        try rows.enumerated().map { index, row in
            do { return try predict(row, verbose: verbose) } catch let error as FormatError where error.input == "request" {
                throw BatchRecordError(index: index, error: error)
            }
        }
    }

    public func predict(text fields: [String], verbose: Bool) throws -> JSONObject {
        throw FormatError(input: "request", .none, "\(Self.algorithm) takes numeric records")
    }

    public func predict(instance: JSONObject, configuration: JSONObject?) throws -> JSONObject {
        throw FormatError(input: "request", .none, "\(Self.algorithm) takes numeric records")
    }
}

/// A request error in one record of a batch: the record's place in the batch and what is
/// wrong with it (a `FormatError` whose input is "request").
public struct BatchRecordError: Error, Sendable {
    public let index: Int
    public let error: FormatError

    public init(index: Int, error: FormatError) {
        self.index = index
        self.error = error
    }
}
