import WeirAlgorithm
import WeirCore
import WeirFormats

/// Labelled records held in memory: features as one batch (dense, or compressed sparse
/// rows) and one label per record.
struct LabelledRows {
    var features: FeatureBatch<Float>
    var labels: [Float]

    init(dimension: Int) {
        features = FeatureBatch(dimension: dimension)
        labels = []
    }

    var count: Int { labels.count }
    var bytes: Int { features.storedBytes + labels.count * 4 }

    mutating func append(_ features: FeatureVector, label: Float) {
        self.features.append(features)
        labels.append(label)
    }

    /// The records at `positions`, as a mini-batch.
    func gathered<Positions: Collection<Int>>(_ positions: Positions) -> LabelledRows {
        var batch = LabelledRows(dimension: features.dimension)
        batch.features = features.gathered(positions)
        batch.labels = positions.map { labels[$0] }
        return batch
    }
}

/// Reads a channel's labelled records for Linear Learner, checking every label against
/// the predictor type: 0 or 1 for a binary classifier, 0...num_classes-1 for a multiclass
/// one, any finite number for a regressor. A bad label names its file, record and field.
struct LabelledChannel {
    let channel: TrainingChannel
    let reader: FeatureBatchReader
    let predictor: LinearLearnerHyperparameters.PredictorType
    let classes: Int

    init(_ channel: TrainingChannel, dimension: Int, hp: LinearLearnerHyperparameters) {
        self.channel = channel
        reader = FeatureBatchReader(channel: channel, dimension: dimension, batchSize: hp.batchSize)
        predictor = hp.predictor
        classes = hp.classes
    }

    func label(of row: DataRow, file: String, record: Int64) throws -> Float {
        guard let label = row.label.first else {
            throw FormatError(input: file, .record(record), field: "label", "is missing; Linear Learner trains on labelled records (CSV: label first)")
        }
        switch predictor {
        case .binaryClassifier:
            guard label == 0 || label == 1 else {
                throw FormatError(input: file, .record(record), field: "label", "is \(label); a binary classifier takes 0 or 1")
            }
        case .multiclassClassifier:
            guard label >= 0, label < Double(classes), label == label.rounded() else {
                throw FormatError(input: file, .record(record), field: "label", "is \(label); expected a class 0...\(classes - 1) (num_classes is \(classes))")
            }
        case .regressor:
            guard abs(label) <= Double(Float.greatestFiniteMagnitude) else {
                throw FormatError(input: file, .record(record), field: "label", "is \(label); expected a finite number within Float's range")
            }
        }
        return Float(label)
    }

    /// One pass: calls `body` with each checked record and its label; returns the records read.
    @discardableResult
    func forEach(pass: Int, hostIndex: Int = 0, hostCount: Int = 1, _ body: (FeatureVector, Float) throws -> Void) throws -> Int {
        try reader.forEachRow(epoch: pass, hostIndex: hostIndex, hostCount: hostCount) { row, file, record in
            try body(row.features, try label(of: row, file: file, record: record))
        }
    }

    /// One pass in mini-batches of `mini_batch_size`, in file order; returns the records read.
    @discardableResult
    func forEachBatch(pass: Int, hostIndex: Int = 0, hostCount: Int = 1, _ body: (LabelledRows) throws -> Void) throws -> Int {
        var batch = LabelledRows(dimension: reader.dimension)
        let total = try forEach(pass: pass, hostIndex: hostIndex, hostCount: hostCount) { features, label in
            batch.append(features, label: label)
            if batch.count == reader.batchSize {
                try body(batch)
                batch = LabelledRows(dimension: reader.dimension)
            }
        }
        if batch.count > 0 { try body(batch) }
        return total
    }

    /// What one pass learns about a channel: the first `headCount` records (the scalers'
    /// sample), all of them when they fit in `budget` bytes, and the records per class.
    struct Loaded {
        var head: LabelledRows
        var all: LabelledRows?
        var count = 0
        var classCounts: [Int]
    }

    func load(pass: Int, headCount: Int, budget: Int, hostIndex: Int = 0, hostCount: Int = 1) throws -> Loaded {
        let dimension = reader.dimension
        var loaded = Loaded(head: LabelledRows(dimension: dimension), all: LabelledRows(dimension: dimension),
                            classCounts: [Int](repeating: 0, count: predictor == .regressor ? 0 : max(classes, 2)))
        try forEach(pass: pass, hostIndex: hostIndex, hostCount: hostCount) { features, label in
            loaded.count += 1
            if predictor != .regressor { loaded.classCounts[Int(label)] += 1 }
            if loaded.head.count < headCount { loaded.head.append(features, label: label) }
            if loaded.all != nil {
                loaded.all?.append(features, label: label)
                // Checked every 4,096 records: storedBytes is cheap but not free.
                if loaded.count % 4_096 == 0, let bytes = loaded.all?.bytes, bytes > budget { loaded.all = nil }
            }
        }
        if let bytes = loaded.all?.bytes, bytes > budget { loaded.all = nil }
        return loaded
    }
}
