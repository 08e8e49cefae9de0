import Foundation
import WeirCore
import WeirAlgorithm
import WeirFormats
import WeirMath

/// `weir train deepar`: SageMaker's DeepAR forecasting. The `train` channel holds JSON
/// lines (`start`, `target` with null/"NaN" for missing values, optional `cat` and
/// `dynamic_feat`); an optional `test` channel holds the same series extended by
/// `prediction_length` values, which are forecast from the rest and scored as SageMaker
/// does (RMSE of the mean, weighted quantile loss per `test_quantiles` and their mean).
/// An epoch is `num_batches_per_epoch` mini-batches of windows sampled across series
/// (GluonTS's default, 50). With `early_stopping_patience`, training stops once the epoch
/// loss has not improved for that many epochs and the best epoch's model is kept. The
/// model folder gets `deepar.model` and `model.json`.
public enum DeepARAlgorithm: Servable {
    public typealias Model = DeepARModel

    /// Its matrix products (a batch of windows through 40-cell LSTM layers) are too small
    /// to gain from more threads: on 2 cores, 20 epochs took 88 s wall and 176 CPU s with
    /// 2 threads, 84 s wall and 84 CPU s with 1.
    public static let info = AlgorithmInfo(
        name: "deepar", aliases: ["deep_ar", "forecasting-deepar"],
        summary: "DeepAR probabilistic forecasting (stacked LSTM, sampled quantiles; test channel RMSE and wQuantileLoss).",
        optionalChannels: ["test"], trainingContentTypes: ["application/jsonlines", "application/json"], modelFile: "deepar.model",
        streamOperator: "deepar_forecast", preferredBLASThreads: 1)

    public static func predictor(for model: DeepARModel) -> DeepARPredictor { DeepARPredictor(model: model) }

    /// The series of a channel, checked: targets present, `cat` and `dynamic_feat` shaped
    /// as the first series says (or as `cardinality`/`num_dynamic_feat` require).
    static func readSeries(_ channel: TrainingChannel, hostIndex: Int = 0, hostCount: Int = 1) throws -> [(DeepARSeries, String, Int64)] {
        var all: [(DeepARSeries, String, Int64)] = []
        try channel.forEachSeries(epoch: 0, hostIndex: hostIndex, hostCount: hostCount) { entry, file, line in
            guard !entry.target.isEmpty else { throw FormatError(input: file, .line(line), field: "target", "is empty") }
            for (index, feature) in entry.dynamicFeatures.enumerated() where feature.count != entry.target.count {
                throw FormatError(input: file, .line(line), field: "dynamic_feat[\(index)]",
                                  "has \(feature.count) values; the target has \(entry.target.count)")
            }
            all.append((DeepARSeries(start: entry.startEpochSeconds, values: entry.target, categories: entry.categories,
                                     dynamicFeatures: entry.dynamicFeatures), file, line))
        }
        return all
    }

    public static func train(_ hyperparameters: DeepARHyperparameters, context: TrainingContext) throws -> TrainedModel<DeepARModel> {
        let train = try Self.readSeries(try context.channel("train"), hostIndex: context.hostIndex, hostCount: context.hostCount)
        guard !train.isEmpty else { throw TrainingJobError(message: "the train channel holds no series") }
        // Every channel is read and checked before training, so a bad test file costs no training time.
        let test = try context.channels["test"].map { try Self.readSeries($0) } // every host scores the whole test channel
        var configuration = DeepARConfiguration(frequency: hyperparameters.frequency, contextLength: hyperparameters.contextLength,
                                                predictionLength: hyperparameters.predictionLength)
        configuration.cells = hyperparameters.cells
        configuration.layers = hyperparameters.layers
        configuration.likelihood = hyperparameters.likelihood
        configuration.dropoutRate = hyperparameters.dropoutRate
        configuration.embeddingDimension = hyperparameters.embeddingDimension
        configuration.cardinality = try cardinality(hyperparameters.cardinality, train)
        configuration.dynamicFeatures = dynamicFeatureCount(hyperparameters.dynamicFeatures, train)
        for (series, file, line) in train {
            if configuration.cardinality.count > 0 {
                guard series.categories.count == configuration.cardinality.count else {
                    throw FormatError(input: file, .line(line), field: "cat", "has \(series.categories.count) values; cardinality has \(configuration.cardinality.count)")
                }
                for (index, value) in series.categories.enumerated() where value < 0 || value >= configuration.cardinality[index] {
                    throw FormatError(input: file, .line(line), field: "cat[\(index)]", "\(value) is outside 0..<\(configuration.cardinality[index])")
                }
            }
            guard series.dynamicFeatures.count >= configuration.dynamicFeatures else {
                throw FormatError(input: file, .line(line), field: "dynamic_feat", "has \(series.dynamicFeatures.count) features; num_dynamic_feat is \(configuration.dynamicFeatures)")
            }
            if configuration.likelihood == .beta, series.values.contains(where: { $0.isFinite && ($0 <= 0 || $0 >= 1) }) {
                throw FormatError(input: file, .line(line), field: "target", "the beta likelihood needs values strictly between 0 and 1")
            }
            if configuration.likelihood == .negativeBinomial, series.values.contains(where: { $0.isFinite && ($0 < 0 || $0 != $0.rounded()) }) {
                throw FormatError(input: file, .line(line), field: "target", "the negative-binomial likelihood needs non-negative counts")
            }
        }
        let seed = hyperparameters.seed
        let model = DeepARModel(configuration, seed: seed)
        let (epochs, patience, batchSize, batches) = (hyperparameters.epochs, hyperparameters.patience, hyperparameters.batchSize,
                                                      hyperparameters.batchesPerEpoch)
        var best = TrainingState.Best(loss: .infinity, epoch: -1, parameters: [])
        var progress: DeepARModel.TrainingProgress?
        var stopped = false
        if let resumed = try context.resume(Self.self, hyperparameters: hyperparameters) {
            guard resumed.completedEpochs <= epochs else {
                throw TrainingJobError(message: "the checkpoint is after epoch \(resumed.completedEpochs), past epochs=\(epochs); raise epochs or use another checkpoint directory")
            }
            try ParameterArchive.load(resumed.state.parameters, name: "checkpoint", into: model.network.store)
            (progress, best, stopped) = (resumed.state.progress, resumed.state.best, resumed.state.stopped)
        }
        let clock = ContinuousClock()
        var epochStart = clock.now
        if !stopped {
            try model.train(train.map(\.0), epochs: epochs, batchesPerEpoch: batches, batchSize: batchSize,
                            learningRate: hyperparameters.learningRate, seed: seed, progress: progress) { epoch, loss, progress in
                let seconds = (clock.now - epochStart).seconds
                epochStart = clock.now
                context.metrics.quality(channel: "train", metric: "loss", kind: "loss", value: loss, epoch: epoch)
                context.metrics.throughput(channel: "train", recordsPerSecond: Double(batches * batchSize) / max(seconds, 1e-9))
                context.metrics.progress(completedEpochs: epoch + 1, of: epochs)
                if loss < best.loss {
                    best = TrainingState.Best(loss: loss, epoch: epoch, parameters: patience > 0 ? ParameterArchive.encode(model.network.store) : [])
                }
                let goOn = patience == 0 || epoch - best.epoch < patience
                try context.checkpoint(Self.self, completedEpochs: epoch + 1,
                                       state: TrainingState(parameters: ParameterArchive.encode(model.network.store), progress: progress,
                                                            best: best, stopped: !goOn))
                return goOn
            }
        }
        if patience > 0, !best.parameters.isEmpty {
            try ParameterArchive.load(best.parameters, name: "best epoch", into: model.network.store)
            context.metrics.quality(channel: "train", metric: "final_loss", kind: "loss", value: best.loss)
        }

        if let test {
            let quantiles = hyperparameters.testQuantiles
            let evaluation = DeepAREvaluation.evaluate(model, series: test.map(\.0), quantiles: quantiles,
                                                       samples: hyperparameters.evalSamples, seed: seed ^ 0x7E57)
            context.metrics.quality(channel: "test", metric: "RMSE", kind: "loss", value: evaluation.rmse)
            for q in quantiles {
                context.metrics.quality(channel: "test", metric: "wQuantileLoss[\(NumberText.format(q))]", kind: "loss",
                                        value: evaluation.weightedQuantileLoss[q] ?? .nan)
            }
            context.metrics.quality(channel: "test", metric: "mean_wQuantileLoss", kind: "loss", value: evaluation.meanWeightedQuantileLoss)
        }

        return TrainedModel(model: model, metadata: [
            ("time_freq", .string(configuration.frequency.description)),
            ("context_length", .number(Double(configuration.contextLength))), ("prediction_length", .number(Double(configuration.predictionLength))),
            ("likelihood", .string(configuration.likelihood.rawValue)),
            ("cardinality", .array(configuration.cardinality.map { .number(Double($0)) })),
            ("num_dynamic_feat", .number(Double(configuration.dynamicFeatures))), ("training_series", .number(Double(train.count))),
        ])
    }

    /// `cardinality`: `auto` (one more than the largest index of each `cat` feature in the
    /// training data), `ignore` (no categories), or a list.
    static func cardinality(_ setting: DeepARHyperparameters.Cardinality, _ train: [(DeepARSeries, String, Int64)]) throws -> [Int] {
        switch setting {
        case .ignore: return []
        case .explicit(let values): return values
        case .auto:
            let count = train[0].0.categories.count
            var maxima = [Int](repeating: 0, count: count)
            for (series, file, line) in train {
                guard series.categories.count == count else {
                    throw FormatError(input: file, .line(line), field: "cat", "has \(series.categories.count) values; the first series has \(count)")
                }
                for (index, value) in series.categories.enumerated() {
                    guard value >= 0, value < 10_000_000 else {
                        throw FormatError(input: file, .line(line), field: "cat[\(index)]", "\(value) is outside 0..<10000000")
                    }
                    maxima[index] = max(maxima[index], value + 1)
                }
            }
            return maxima
        }
    }

    /// `num_dynamic_feat`: `auto` (as many as the first series has), `ignore` (none), or a count.
    static func dynamicFeatureCount(_ setting: DeepARHyperparameters.DynamicFeatures, _ train: [(DeepARSeries, String, Int64)]) -> Int {
        switch setting {
        case .ignore: return 0
        case .auto: return train[0].0.dynamicFeatures.count
        case .count(let count): return count
        }
    }
}
