import Foundation
import WeirCore
import WeirFormats
import WeirMath

/// `weir train statistics`: profiles a training set in one pass (per feature and label:
/// count, missing values, mean, standard deviation, min, max) and writes
/// `statistics.json` to the model folder. With a `validation` channel it also reports
/// how much of the validation data lies outside the training range (mean ± 4 standard
/// deviations), a quick check for drift or a mislabelled channel before a long job.
public struct StatisticsJob: TrainingAlgorithm {
    public static let name = "statistics"
    public static let summary = "Profile a data set (per-feature moments, missing values, drift of validation against train)."
    public static let hyperparameters: [HyperparameterDefinition] = [
        HyperparameterDefinition("feature_dim", .integer(1...1_000_000_000), default: "auto", allowsAuto: true),
        HyperparameterDefinition("mini_batch_size", .integer(1...1_000_000), default: "1000"),
    ]
    public static let requiredChannels: Set<String> = ["train"]
    public static let optionalChannels: Set<String> = ["validation"]

    let featureDimension: Int?
    let batchSize: Int

    public init(hyperparameters: Hyperparameters) throws {
        featureDimension = hyperparameters.integer("feature_dim")
        batchSize = hyperparameters.integer("mini_batch_size") ?? 1000
    }

    /// Per-column moments that also count missing (NaN) values.
    struct Column {
        var moments = RunningMoments()
        var missing = 0

        mutating func add(_ value: Double) {
            if value.isNaN { missing += 1 } else { moments.add(value) }
        }

        var json: JSONValue {
            let m = moments
            return .object(JSONObject([("count", .number(Double(m.count))), ("missing", .number(Double(missing))),
                                       ("mean", .number(m.count > 0 ? m.mean : .nan)), ("std", .number(m.sampleStandardDeviation)),
                                       ("min", .number(m.count > 0 ? m.minimum : .nan)), ("max", .number(m.count > 0 ? m.maximum : .nan))]))
        }
    }

    public func train(_ context: TrainingContext) throws {
        guard let train = context.channels["train"] else { throw HyperparameterError(name: "train", value: nil, message: "channel missing") }
        var features: [Column] = []
        var labels: [Column] = []
        var batcher = MiniBatcher<DataRow>(size: batchSize)
        let start = ContinuousClock.now
        var rows = 0
        func absorb(_ batch: [DataRow]) throws {
            for row in batch {
                let values = row.features.denseValues
                if let featureDimension, values.count != featureDimension {
                    throw FormatError(input: train.path, .record(Int64(rows + 1)), field: "features",
                                      "has \(values.count) values; feature_dim is \(featureDimension)")
                }
                if features.count < values.count { features += Array(repeating: Column(), count: values.count - features.count) }
                for (index, value) in values.enumerated() { features[index].add(value) }
                if labels.count < row.label.count { labels += Array(repeating: Column(), count: row.label.count - labels.count) }
                for (index, value) in row.label.enumerated() { labels[index].add(value) }
                rows += 1
            }
        }
        try train.forEachRow(epoch: 0, hostIndex: context.hostIndex, hostCount: context.hostCount) { row in
            if let batch = batcher.add(row) {
                try absorb(batch)
                let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
                context.metrics.progressBar(epoch: 0, of: 1, fraction: 0, loss: nil, recordsPerSecond: Double(rows) / elapsed)
            }
        }
        if let last = batcher.finish() { try absorb(last) }
        context.metrics.endProgressBar()
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.metrics.progress(completedEpochs: 1, of: 1)
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(rows) / elapsed)
        context.metrics.quality(channel: "train", metric: "records", kind: "count", value: Double(rows))
        let missing = features.reduce(0) { $0 + $1.missing }
        context.metrics.quality(channel: "train", metric: "missing_fraction", kind: "score",
                                value: rows > 0 ? Double(missing) / Double(rows * max(features.count, 1)) : 0)

        var report = JSONObject([("records", .number(Double(rows))), ("feature_dim", .number(Double(features.count))),
                                 ("features", .array(features.map(\.json))), ("label", .array(labels.map(\.json)))])
        if let validation = context.channels["validation"] {
            var outside = 0, total = 0
            try validation.forEachRow(epoch: 0) { row in
                for (index, value) in row.features.denseValues.enumerated() where index < features.count && !value.isNaN {
                    let column = features[index].moments
                    total += 1
                    if abs(value - column.mean) > 4 * column.sampleStandardDeviation { outside += 1 }
                }
            }
            let fraction = total > 0 ? Double(outside) / Double(total) : 0
            context.metrics.quality(channel: "validation", metric: "outside_train_range_fraction", kind: "score", value: fraction)
            report.set("validation_outside_train_range_fraction", .number(fraction))
        }
        try FileManager.default.createDirectory(atPath: context.modelDirectory, withIntermediateDirectories: true)
        let path = context.modelDirectory + "/statistics.json"
        guard FileManager.default.createFile(atPath: path, contents: Data(JSONWriter.bytes(of: .object(report)) + [0x0A])) else {
            throw FormatError(input: path, .none, "cannot write the model file")
        }
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
