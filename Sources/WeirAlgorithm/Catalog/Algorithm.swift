import WeirCore

/// A catalogue algorithm: what it is called and takes (`info`), its typed hyperparameters,
/// its model, and training from a job's channels to that model. Serving, streaming and
/// resuming are separate abilities (`Servable`, ...). An algorithm never touches Kafka,
/// the registry or the stream runtime: the job, the server and the stream wrap it.
public protocol Algorithm: Sendable {
    associatedtype Hyperparameters: HyperparameterSet
    associatedtype Model: ModelSnapshot

    static var info: AlgorithmInfo { get }
    /// Trains a model; `metrics` gets SageMaker's metric lines as training goes.
    static func train(_ hyperparameters: Hyperparameters, context: TrainingContext) throws -> TrainedModel<Model>
    /// A small data set, hyperparameters, requests and a quality floor, for the
    /// conformance suite that every catalogue entry passes.
    static var fixture: AlgorithmFixture { get }
}

/// A trained model with what the model folder's `model.json` says about it (algorithm,
/// shapes, thresholds, training counts) and any files written beside the snapshot.
public struct TrainedModel<Model: ModelSnapshot> {
    public var model: Model
    public var metadata: [(String, JSONValue)]
    /// Extra files for the model folder by name (a human-readable report, say).
    public var extraFiles: [(name: String, bytes: [UInt8])]

    public init(model: Model, metadata: [(String, JSONValue)] = [], extraFiles: [(name: String, bytes: [UInt8])] = []) {
        self.model = model
        self.metadata = metadata
        self.extraFiles = extraFiles
    }
}

/// What the catalogue lists about an algorithm.
public struct AlgorithmInfo: Sendable {
    /// SageMaker's name (`randomcutforest`), as `weir train` and the registry know it.
    public var name: String
    /// Other names `weir train` accepts (short forms).
    public var aliases: [String]
    public var summary: String
    public var requiredChannels: [String]
    public var optionalChannels: [String]
    /// Content types the training channels take.
    public var trainingContentTypes: [String]
    /// The snapshot's file name in a model folder (`forest.rcf`).
    public var modelFile: String
    /// The online operator in a topology that serves this algorithm's models, if any.
    public var streamOperator: String?
    /// OpenBLAS threads the algorithm trains best with when the user sets none (nil: all).
    public var preferredBLASThreads: Int?

    public init(name: String, aliases: [String] = [], summary: String, requiredChannels: [String] = ["train"],
                optionalChannels: [String] = [], trainingContentTypes: [String], modelFile: String,
                streamOperator: String? = nil, preferredBLASThreads: Int? = nil) {
        self.name = name
        self.aliases = aliases
        self.summary = summary
        self.requiredChannels = requiredChannels
        self.optionalChannels = optionalChannels
        self.trainingContentTypes = trainingContentTypes
        self.modelFile = modelFile
        self.streamOperator = streamOperator
        self.preferredBLASThreads = preferredBLASThreads
    }

    /// Whether `name` (any case) names this algorithm.
    public func answers(to name: String) -> Bool {
        let wanted = name.lowercased()
        return wanted == self.name || aliases.contains(wanted)
    }
}
