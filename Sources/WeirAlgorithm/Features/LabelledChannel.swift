import Foundation
import WeirCore
import WeirFormats
import WeirMath

/// What a supervised algorithm's labels are: 0 or 1, one of `n` classes (0...n-1), or
/// any finite number.
public enum LabelKind: Sendable, Equatable {
    case binary
    case classes(Int)
    case real

    /// Classes to count records of (0 for `real`).
    public var classCount: Int {
        switch self {
        case .binary: return 2
        case .classes(let count): return count
        case .real: return 0
        }
    }
}

/// Labelled records held in memory: features as one batch (dense, or compressed sparse
/// rows) and one label per record.
public struct LabelledRows: Sendable {
    public var features: FeatureBatch<Float>
    public var labels: [Float]

    public init(dimension: Int) {
        features = FeatureBatch(dimension: dimension)
        labels = []
    }

    public var count: Int { labels.count }
    public var bytes: Int { features.storedBytes + labels.count * 4 }

    public mutating func append(_ features: FeatureVector, label: Float) {
        self.features.append(features)
        labels.append(label)
    }

    /// The records at `positions`, as a mini-batch.
    public func gathered(_ positions: ArraySlice<Int>) -> LabelledRows {
        var batch = LabelledRows(dimension: features.dimension)
        batch.features = features.gathered(positions)
        batch.labels = labels.withUnsafeBufferPointer { source in positions.map { source[$0] } }
        return batch
    }

    /// The records `range`, in order.
    public func gathered(_ range: Range<Int>) -> LabelledRows {
        gathered(Array(range)[...])
    }
}

/// Reads a channel's labelled records for a supervised algorithm, checking every record
/// (width, finite values) and label (0 or 1, a class below the class count, or a finite
/// number within Float's range). A bad record names its file, record and field.
public struct LabelledChannel {
    public let channel: TrainingChannel
    public let reader: FeatureBatchReader
    public let labels: LabelKind
    public let algorithm: String

    /// The bytes of training data an algorithm holds in memory at most: a quarter of the
    /// machine's memory. Larger data streams from its files each epoch.
    public static var memoryBudget: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max))) }

    public init(_ channel: TrainingChannel, dimension: Int, batchSize: Int, labels: LabelKind, algorithm: String) {
        self.channel = channel
        reader = FeatureBatchReader(channel: channel, dimension: dimension, batchSize: batchSize)
        self.labels = labels
        self.algorithm = algorithm
    }

    public func label(of row: DataRow, file: String, record: Int64) throws -> Float {
        guard let label = row.label.first else {
            throw FormatError(input: file, .record(record), field: "label", "is missing; \(algorithm) trains on labelled records (CSV: label first)")
        }
        switch labels {
        case .binary:
            guard label == 0 || label == 1 else {
                throw FormatError(input: file, .record(record), field: "label", "is \(label); a binary classifier takes 0 or 1")
            }
        case .classes(let classes):
            guard label >= 0, label < Double(classes), label == label.rounded() else {
                throw FormatError(input: file, .record(record), field: "label", "is \(label); expected a class 0...\(classes - 1) (num_classes is \(classes))")
            }
        case .real:
            guard abs(label) <= Double(Float.greatestFiniteMagnitude) else {
                throw FormatError(input: file, .record(record), field: "label", "is \(label); expected a finite number within Float's range")
            }
        }
        return Float(label)
    }

    /// One pass: calls `body` with each checked record and its label; returns the records read.
    @discardableResult
    public func forEach(pass: Int, hostIndex: Int = 0, hostCount: Int = 1, _ body: (FeatureVector, Float) throws -> Void) throws -> Int {
        try reader.forEachRow(epoch: pass, hostIndex: hostIndex, hostCount: hostCount) { row, file, record in
            try body(row.features, try label(of: row, file: file, record: record))
        }
    }

    /// One pass in mini-batches of `mini_batch_size`, in file order; returns the records read.
    @discardableResult
    public func forEachBatch(pass: Int, hostIndex: Int = 0, hostCount: Int = 1, _ body: (LabelledRows) throws -> Void) throws -> Int {
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
    public struct Loaded: Sendable {
        public var head: LabelledRows
        public var all: LabelledRows?
        public var count = 0
        public var classCounts: [Int]
    }

    public func load(pass: Int, headCount: Int, budget: Int, hostIndex: Int = 0, hostCount: Int = 1) throws -> Loaded {
        let dimension = reader.dimension
        var loaded = Loaded(head: LabelledRows(dimension: dimension), all: LabelledRows(dimension: dimension),
                            classCounts: [Int](repeating: 0, count: labels.classCount))
        try forEach(pass: pass, hostIndex: hostIndex, hostCount: hostCount) { features, label in
            loaded.count += 1
            if labels != .real { loaded.classCounts[Int(label)] += 1 }
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

    /// Up to `count` records from the start of one pass.
    public func firstRecords(_ count: Int, pass: Int) throws -> LabelledRows {
        var rows = LabelledRows(dimension: reader.dimension)
        struct Enough: Error {}
        do {
            try forEach(pass: pass) { features, label in
                rows.append(features, label: label)
                if rows.count >= count { throw Enough() }
            }
        } catch is Enough {}
        return rows
    }

    /// One epoch's mini-batches: the records held in memory in a fresh random order, else
    /// one pass over the channel in file order (then `pass` moves on, for Pipe mode's
    /// next FIFO). Returns the records given to `body`.
    @discardableResult
    public func forEachEpochBatch(_ loaded: Loaded, random: inout RandomSource, pass: inout Int, hostIndex: Int = 0, hostCount: Int = 1,
                                  _ body: (LabelledRows) throws -> Void) throws -> Int {
        guard let all = loaded.all else {
            defer { pass += 1 }
            return try forEachBatch(pass: pass, hostIndex: hostIndex, hostCount: hostCount, body)
        }
        let order = random.permutation(all.count)
        for first in stride(from: 0, to: all.count, by: reader.batchSize) {
            try body(all.gathered(order[first..<min(first + reader.batchSize, all.count)]))
        }
        return all.count
    }
}
