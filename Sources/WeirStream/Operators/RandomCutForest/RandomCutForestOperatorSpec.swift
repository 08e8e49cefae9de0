import WeirRCF

/// A topology's `random_cut_forest` operator: one thresholded forest per key.
public struct RandomCutForestOperatorSpec: Sendable, Equatable {
    /// How results are written into each event.
    public enum OutputStyle: String, Sendable, CaseIterable {
        /// `anomaly_score`, `anomaly_grade`, `anomaly_threshold`, `anomaly_start`,
        /// `expected`, `attribution`, `model_version`.
        case weir
        /// Kinesis Data Analytics' `ANOMALY_SCORE` and `ANOMALY_EXPLANATION` (a JSON text
        /// with DIRECTION, STRENGTH and ATTRIBUTION_SCORE per feature).
        case kinesis
    }

    /// Fields read as the forest's input, in order; empty means the schema's features.
    public var features: [String] = []
    /// A field whose text keys the forests; nil means the record key.
    public var keyField: String?
    public var detector: ThresholdedRandomCutForest.Configuration
    public var output = OutputStyle.weir
    /// Forests kept in memory; the least recently used beyond this are evicted (to
    /// `stateDirectory` when set, else dropped and started afresh on their next record).
    public var maxResidentKeys = 10_000
    /// Where evicted and checkpointed forests are kept, one file per key.
    public var stateDirectory: String?
    /// A forest from `weir train randomcutforest` (its `forest.rcf`) that seeds each new key.
    public var seedModel: String?
    /// A model in the registry whose served version seeds the forests and is hot-reloaded.
    public var registryModel: RegistryModelReference?
    /// A shadow model (the `shadow` stage by default) that scores every record next to the
    /// primary one; its outputs are events of variant `shadow`, for sinks marked so.
    public var shadowModel: RegistryModelReference?
    /// How often forests that changed are snapshotted to the Kafka changelog (also at
    /// hand-offs and shutdown); a new owner relearns the records since the last snapshot.
    public var snapshotIntervalMs = 60_000
    /// Written into every output so consumers can tell which model scored a record.
    public var modelVersion = "online"

    public init(detector: ThresholdedRandomCutForest.Configuration) {
        self.detector = detector
    }
}
