import WeirCore

/// One algorithm of the catalogue as a value: its description and hyperparameter schema,
/// and closures that train it, decode and check its snapshots, and serve them when it is
/// servable. Made from the algorithm's type; nothing outside the type needs its name.
public struct CatalogEntry: Sendable {
    public let info: AlgorithmInfo
    public let hyperparameters: [HyperparameterDefinition]
    public let fixture: AlgorithmFixture
    /// The kind of request its predictor takes; nil when it is not servable.
    public let predictorInput: PredictorInput?
    /// Whether its predictor reads libsvm indices as the features themselves (xgboost's
    /// reading) rather than 1-based.
    public let predictorReadsZeroBasedLibSVM: Bool
    /// Its online operator; nil when it does not run in a stream.
    public let streamable: StreamableEntry?
    /// The hyperparameter counting epochs when training resumes from checkpoints; nil when it does not.
    public let epochsHyperparameter: String?
    let validateHyperparameters: @Sendable ([String: String]) throws(HyperparameterError) -> Hyperparameters
    let trainModel: @Sendable ([String: String], TrainingContext) throws -> (snapshot: [UInt8], metadata: [(String, JSONValue)], extraFiles: [(name: String, bytes: [UInt8])])
    let decodeSnapshot: @Sendable ([UInt8], String) throws -> any ModelSnapshot
    let makePredictor: (@Sendable ([UInt8], String) throws -> any BatchPredictor)?

    public init<A: Algorithm>(_ type: A.Type) {
        info = A.info
        hyperparameters = A.Hyperparameters.schema
        fixture = A.fixture
        validateHyperparameters = { raw throws(HyperparameterError) in
            let values = try Hyperparameters(raw, schema: A.Hyperparameters.schema)
            _ = try A.Hyperparameters(values)
            return values
        }
        trainModel = { raw, context in
            let trained = try A.train(try A.Hyperparameters.validated(raw), context: context)
            return (trained.model.snapshot(), trained.metadata, trained.extraFiles)
        }
        decodeSnapshot = { bytes, name in try A.Model(snapshot: bytes, name: name) }
        if let servable = type as? any Servable.Type {
            predictorInput = Self.input(of: servable)
            predictorReadsZeroBasedLibSVM = Self.zeroBased(servable)
            makePredictor = Self.predictorMaker(servable)
        } else {
            predictorInput = nil
            predictorReadsZeroBasedLibSVM = false
            makePredictor = nil
        }
        epochsHyperparameter = (type as? any ResumableTraining.Type).map { Self.epochs(of: $0) }
        if let online = type as? any Streamable.Type {
            streamable = Self.streamableEntry(online, operatorName: A.info.streamOperator ?? A.info.name)
        } else {
            streamable = nil
        }
    }

    private static func streamableEntry<S: Streamable>(_ type: S.Type, operatorName: String) -> StreamableEntry {
        StreamableEntry(type, operatorName: operatorName)
    }

    private static func epochs<R: ResumableTraining>(of _: R.Type) -> String { R.epochsHyperparameter }

    private static func input<S: Servable>(of _: S.Type) -> PredictorInput { S.Predictor.input }

    private static func zeroBased<S: Servable>(_: S.Type) -> Bool { S.Predictor.libsvmZeroBased }

    private static func predictorMaker<S: Servable>(_: S.Type) -> @Sendable ([UInt8], String) throws -> any BatchPredictor {
        { bytes, name in try S.predictor(for: S.Model(snapshot: bytes, name: name)) }
    }

    public var name: String { info.name }

    /// Checks SageMaker's string map: names, types, ranges and the algorithm's own rules.
    /// Returns the injected names that were ignored.
    @discardableResult
    public func checkHyperparameters(_ raw: [String: String]) throws(HyperparameterError) -> [String] {
        try validateHyperparameters(raw).ignored
    }

    /// The checkpoints of a job with these hyperparameters in `directory`; nil when the
    /// algorithm does not resume from checkpoints.
    public func checkpoints(directory: String, hyperparameters raw: [String: String]) throws(HyperparameterError) -> TrainingCheckpoints? {
        guard let epochsHyperparameter else { return nil }
        return TrainingCheckpoints(directory: directory, algorithm: name, hyperparameters: try validateHyperparameters(raw),
                                   epochsHyperparameter: epochsHyperparameter)
    }

    /// Trains on `context`'s channels and returns the snapshot bytes with the model
    /// folder's metadata (no files written).
    public func train(hyperparameters raw: [String: String], context: TrainingContext)
        throws -> (snapshot: [UInt8], metadata: [(String, JSONValue)], extraFiles: [(name: String, bytes: [UInt8])]) {
        try trainModel(raw, context)
    }

    /// Decodes and checks a snapshot (magic, checksum, shapes, finite values).
    public func decode(snapshot bytes: [UInt8], name: String) throws -> any ModelSnapshot {
        try decodeSnapshot(bytes, name)
    }

    /// The predictor over a snapshot, when the algorithm is servable.
    public func predictor(snapshot bytes: [UInt8], name: String) throws -> any BatchPredictor {
        guard let makePredictor else {
            throw ModelSnapshotError(name: name, "\(info.name) models do not answer requests")
        }
        return try makePredictor(bytes, name)
    }
}
