import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

/// `weir train statistics`: profiles a training set in one pass (per feature and label:
/// count, missing values, mean, standard deviation, min, max). The model folder gets the
/// profile (`statistics.profile`) and `statistics.json`. With a `validation` channel it
/// also reports how much of the validation data lies outside the training range (mean ±
/// 4 standard deviations), a quick check for drift or a mislabelled channel before a
/// long job.
public enum StatisticsAlgorithm: Algorithm {
    public typealias Model = StatisticsProfile

    public static let info = AlgorithmInfo(
        name: "statistics", summary: "Profile a data set (per-feature moments, missing values, drift of validation against train).",
        optionalChannels: ["validation"], trainingContentTypes: ["text/csv", "application/x-recordio-protobuf", "application/jsonlines", "text/libsvm"],
        modelFile: "statistics.profile")

    /// Per-column moments that also count missing (NaN) values.
    struct ColumnMoments {
        var moments = RunningMoments()
        var missing = 0

        mutating func add(_ value: Double) {
            if value.isNaN { missing += 1 } else { moments.add(value) }
        }

        var summary: StatisticsProfile.Column {
            let m = moments
            return StatisticsProfile.Column(count: m.count, missing: missing, mean: m.count > 0 ? m.mean : .nan,
                                            standardDeviation: m.sampleStandardDeviation,
                                            minimum: m.count > 0 ? m.minimum : .nan, maximum: m.count > 0 ? m.maximum : .nan)
        }
    }

    public static func train(_ hyperparameters: StatisticsHyperparameters, context: TrainingContext) throws -> TrainedModel<StatisticsProfile> {
        let train = try context.channel("train")
        var features: [ColumnMoments] = []
        var labels: [ColumnMoments] = []
        var batcher = MiniBatcher<DataRow>(size: hyperparameters.batchSize)
        let start = ContinuousClock.now
        var rows = 0
        func absorb(_ batch: [DataRow]) throws {
            for row in batch {
                let values = row.features.denseValues
                if let dimension = hyperparameters.featureDimension, values.count != dimension {
                    throw FormatError.featureWidth(input: train.path, record: Int64(rows + 1), found: values.count, expected: dimension,
                                                   labels: row.label.count, channel: train.config.name)
                }
                if let bad = values.firstIndex(where: { $0.isInfinite }) {
                    throw FormatError(input: train.path, .record(Int64(rows + 1)), field: "features[\(bad)]",
                                      "is \(values[bad]); missing values may be NaN or empty, not infinite")
                }
                if features.count < values.count { features += Array(repeating: ColumnMoments(), count: values.count - features.count) }
                for (index, value) in values.enumerated() { features[index].add(value) }
                if labels.count < row.label.count { labels += Array(repeating: ColumnMoments(), count: row.label.count - labels.count) }
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
        guard rows > 0 else { throw TrainingJobError(message: "the train channel holds no records") }
        context.metrics.endProgressBar()
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.metrics.progress(completedEpochs: 1, of: 1)
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(rows) / elapsed)
        context.metrics.quality(channel: "train", metric: "records", kind: "count", value: Double(rows))
        let missing = features.reduce(0) { $0 + $1.missing }
        context.metrics.quality(channel: "train", metric: "missing_fraction", kind: "score",
                                value: Double(missing) / Double(rows * max(features.count, 1)))

        let profile = StatisticsProfile(records: rows, features: features.map(\.summary), labels: labels.map(\.summary))
        var report = profile.json
        if let validation = context.channels["validation"] {
            let fraction = try outsideTrainRange(validation, profile: profile)
            context.metrics.quality(channel: "validation", metric: "outside_train_range_fraction", kind: "score", value: fraction)
            report.set("validation_outside_train_range_fraction", .number(fraction))
        }
        return TrainedModel(model: profile, metadata: [("records", .number(Double(rows))), ("feature_dim", .number(Double(features.count)))],
                            extraFiles: [("statistics.json", JSONWriter.bytes(of: .object(report)) + [0x0A])])
    }

    /// The share of a channel's values further than 4 standard deviations from the
    /// profile's mean of their column.
    static func outsideTrainRange(_ channel: TrainingChannel, profile: StatisticsProfile) throws -> Double {
        var outside = 0, total = 0
        try channel.forEachRow(epoch: 0) { row in
            for (index, value) in row.features.denseValues.enumerated() where index < profile.features.count && !value.isNaN {
                let column = profile.features[index]
                total += 1
                if abs(value - column.mean) > 4 * column.standardDeviation { outside += 1 }
            }
        }
        return total > 0 ? Double(outside) / Double(total) : 0
    }
}
