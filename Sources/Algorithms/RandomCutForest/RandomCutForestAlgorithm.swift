import Foundation
import WeirCore
import WeirFormats
import WeirMath
import WeirAlgorithm

/// `weir train randomcutforest`: SageMaker's batch Random Cut Forest. Each tree keeps a
/// uniform sample of `num_samples_per_tree` training points (no time decay), so the
/// forest describes the whole training set. The model folder gets `forest.rcf` (the
/// forest state) and `model.json`; the score threshold for labels is the training
/// scores' mean plus three standard deviations, as SageMaker's documentation suggests.
/// With a labelled `test` channel (label first, 1 = anomaly) it reports accuracy,
/// precision, recall and F1 of that threshold, and the ROC AUC of the scores.
public enum RandomCutForestAlgorithm: Servable {
    public typealias Model = RandomCutForest

    public static let info = AlgorithmInfo(
        name: "randomcutforest", aliases: ["rcf", "random_cut_forest"],
        summary: "Random Cut Forest anomaly detection (scores as SageMaker's RCF; test channel metrics).",
        optionalChannels: ["test"], trainingContentTypes: ["text/csv", "application/x-recordio-protobuf", "application/jsonlines", "text/libsvm"],
        modelFile: "forest.rcf", streamOperator: "random_cut_forest")

    public static func predictor(for model: RandomCutForest) -> RandomCutForestPredictor { RandomCutForestPredictor(forest: model) }

    static func point(_ row: DataRow, dimension: Int, channel: TrainingChannel, index: Int) throws -> [Float] {
        let values = row.features.denseValues
        guard values.count == dimension else {
            throw FormatError.featureWidth(input: channel.path, record: Int64(index + 1), found: values.count, expected: dimension,
                                           labels: row.label.count, channel: channel.config.name)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(input: channel.path, .record(Int64(index + 1)), field: "features[\(bad)]",
                              "is \(values[bad]); the forest takes finite numbers")
        }
        return values.map { Float($0) }
    }

    public static func train(_ hyperparameters: RandomCutForestHyperparameters, context: TrainingContext) throws -> TrainedModel<RandomCutForest> {
        let featureDimension = hyperparameters.featureDimension
        func point(_ row: DataRow, channel: TrainingChannel, index: Int) throws -> [Float] {
            try Self.point(row, dimension: featureDimension, channel: channel, index: index)
        }
        let train = try context.channel("train")
        var configuration = RandomCutForest.Configuration(dimensions: featureDimension)
        configuration.numberOfTrees = hyperparameters.trees
        configuration.sampleSize = hyperparameters.samplesPerTree
        configuration.timeDecay = 0
        configuration.initialAcceptFraction = 1
        configuration.seed = hyperparameters.seed
        configuration.outputAfter = 1
        let forest = RandomCutForest(configuration)
        let start = ContinuousClock.now
        var count = 0
        try train.forEachRow(epoch: 0, hostIndex: context.hostIndex, hostCount: context.hostCount) { row in
            forest.update(try point(row, channel: train, index: count))
            count += 1
        }
        guard count > 0 else { throw TrainingJobError(message: "the train channel holds no records") }
        let seconds = max(Double((ContinuousClock.now - start).components.attoseconds) * 1e-18
                          + Double((ContinuousClock.now - start).components.seconds), 1e-9)
        context.metrics.progress(completedEpochs: 1, of: 1)
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(count) / seconds)

        // The threshold: mean + 3 standard deviations of the training points' scores.
        var moments = RunningMoments()
        var scored = 0
        try train.forEachRow(epoch: 1, hostIndex: context.hostIndex, hostCount: context.hostCount) { row in
            moments.add(forest.score(try point(row, channel: train, index: scored)))
            scored += 1
        }
        let threshold = moments.mean + 3 * (moments.count > 1 ? moments.sampleStandardDeviation : 0)
        context.metrics.quality(channel: "train", metric: "score_mean", kind: "score", value: moments.mean)
        context.metrics.quality(channel: "train", metric: "score_threshold", kind: "score", value: threshold)

        if let test = context.channels["test"] {
            var scores: [Double] = [], labels: [Bool] = []
            try test.forEachRow(epoch: 0) { row in
                guard let label = row.label.first else {
                    throw FormatError(input: test.path, .record(Int64(scores.count + 1)), field: "label",
                                      "the test channel needs labels (1 = anomaly) in the first column")
                }
                scores.append(forest.score(try point(row, channel: test, index: scores.count)))
                labels.append(label != 0)
            }
            let predicted = scores.map { $0 > threshold }
            let truePositives = zip(predicted, labels).filter { $0 && $1 }.count
            let falsePositives = zip(predicted, labels).filter { $0 && !$1 }.count
            let falseNegatives = zip(predicted, labels).filter { !$0 && $1 }.count
            let correct = zip(predicted, labels).filter { $0 == $1 }.count
            let precision = truePositives + falsePositives > 0 ? Double(truePositives) / Double(truePositives + falsePositives) : 0
            let recall = truePositives + falseNegatives > 0 ? Double(truePositives) / Double(truePositives + falseNegatives) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            context.metrics.quality(channel: "test", metric: "accuracy", kind: "score", value: Double(correct) / Double(max(scores.count, 1)))
            context.metrics.quality(channel: "test", metric: "precision", kind: "score", value: precision)
            context.metrics.quality(channel: "test", metric: "recall", kind: "score", value: recall)
            context.metrics.quality(channel: "test", metric: "f1", kind: "score", value: f1)
            let auc = EvaluationMetrics.rocAUC(scores: scores, labels: labels)
            if !auc.isNaN { context.metrics.quality(channel: "test", metric: "roc_auc", kind: "score", value: auc) }
        }

        return TrainedModel(model: forest, metadata: [
            ("feature_dim", .number(Double(featureDimension))), ("num_trees", .number(Double(hyperparameters.trees))),
            ("num_samples_per_tree", .number(Double(hyperparameters.samplesPerTree))),
            ("training_records", .number(Double(count))), ("score_threshold", .number(threshold)),
        ])
    }
}
