import Foundation
import WeirCore
import WeirDeepAR
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
public struct DeepARJob: TrainingAlgorithm {
    public static let name = "deepar"
    public static let aliases = ["deep_ar", "forecasting-deepar"]
    public static let snapshotFile: String? = "deepar.model"
    public static let summary = "DeepAR probabilistic forecasting (stacked LSTM, sampled quantiles; test channel RMSE and wQuantileLoss)."
    public static let hyperparameters: [HyperparameterDefinition] = [
        HyperparameterDefinition("time_freq", .text),
        HyperparameterDefinition("context_length", .integer(1...10_000)),
        HyperparameterDefinition("prediction_length", .integer(1...10_000)),
        HyperparameterDefinition("epochs", .integer(1...1_000)),
        HyperparameterDefinition("num_cells", .integer(1...200), default: "40"),
        HyperparameterDefinition("num_layers", .integer(1...8), default: "2"),
        HyperparameterDefinition("likelihood", .choice(DeepARConfiguration.LikelihoodKind.allCases.map(\.rawValue)), default: "student-t"),
        HyperparameterDefinition("mini_batch_size", .integer(1...1_028), default: "128"),
        HyperparameterDefinition("learning_rate", .real(1e-5...1e-1), default: "0.001"),
        HyperparameterDefinition("dropout_rate", .real(0...0.2), default: "0.1"),
        HyperparameterDefinition("embedding_dimension", .integer(1...50), default: "10"),
        HyperparameterDefinition("cardinality", .text, default: "auto"),
        HyperparameterDefinition("num_dynamic_feat", .text, default: "auto"),
        HyperparameterDefinition("early_stopping_patience", .integer(0...1_000), default: "0"),
        HyperparameterDefinition("num_eval_samples", .integer(1...10_000), default: "100"),
        HyperparameterDefinition("test_quantiles", .realList, default: "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]"),
        // Weir's own: batches per epoch and the seed.
        HyperparameterDefinition("num_batches_per_epoch", .integer(1...100_000), default: "50"),
        HyperparameterDefinition("seed", .integer(0...Int(Int32.max)), default: "0"),
    ]
    public static let requiredChannels: Set<String> = ["train"]
    public static let optionalChannels: Set<String> = ["test"]
    /// Its matrix products (a batch of windows through 40-cell LSTM layers) are too small
    /// to gain from more threads: on 2 cores, 20 epochs took 88 s wall and 176 CPU s with
    /// 2 threads, 84 s wall and 84 CPU s with 1.
    public static let preferredBLASThreads: Int? = 1

    let frequency: TimeFrequency
    let hyperparameters: Hyperparameters

    public init(hyperparameters: Hyperparameters) throws {
        let text = hyperparameters.text("time_freq")!
        guard let frequency = TimeFrequency(text) else {
            throw HyperparameterError(name: "time_freq", value: text, message: "expected a multiple and min, H, D, W or M (5min, H, D, W, M)")
        }
        self.frequency = frequency
        self.hyperparameters = hyperparameters
        let quantiles = hyperparameters.realList("test_quantiles") ?? []
        guard !quantiles.isEmpty, quantiles.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw HyperparameterError(name: "test_quantiles", value: "\(quantiles)", message: "expected a list of quantiles in (0, 1)")
        }
    }

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

    public func train(_ context: TrainingContext) throws {
        guard let trainChannel = context.channels["train"] else { throw TrainingJobError(message: "the train channel is missing") }
        let train = try Self.readSeries(trainChannel, hostIndex: context.hostIndex, hostCount: context.hostCount)
        guard !train.isEmpty else { throw TrainingJobError(message: "the train channel holds no series") }
        var configuration = DeepARConfiguration(frequency: frequency, contextLength: hyperparameters.integer("context_length")!,
                                                predictionLength: hyperparameters.integer("prediction_length")!)
        configuration.cells = hyperparameters.integer("num_cells")!
        configuration.layers = hyperparameters.integer("num_layers")!
        configuration.likelihood = DeepARConfiguration.LikelihoodKind(sageMakerName: hyperparameters.text("likelihood")!)!
        configuration.dropoutRate = hyperparameters.real("dropout_rate")!
        configuration.embeddingDimension = hyperparameters.integer("embedding_dimension")!
        configuration.cardinality = try cardinality(train)
        configuration.dynamicFeatures = try dynamicFeatureCount(train)
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
        let seed = UInt64(hyperparameters.integer("seed")!)
        let model = DeepARModel(configuration, seed: seed)
        let epochs = hyperparameters.integer("epochs")!
        let patience = hyperparameters.integer("early_stopping_patience")!
        let batchSize = hyperparameters.integer("mini_batch_size")!
        let batches = hyperparameters.integer("num_batches_per_epoch")!
        var best = (loss: Double.infinity, epoch: -1, parameters: [UInt8]())
        let clock = ContinuousClock()
        var epochStart = clock.now
        model.train(train.map(\.0), epochs: epochs, batchesPerEpoch: batches, batchSize: batchSize,
                    learningRate: hyperparameters.real("learning_rate")!, seed: seed) { epoch, loss in
            let seconds = (clock.now - epochStart).seconds
            epochStart = clock.now
            context.metrics.quality(channel: "train", metric: "loss", kind: "loss", value: loss, epoch: epoch)
            context.metrics.throughput(channel: "train", recordsPerSecond: Double(batches * batchSize) / max(seconds, 1e-9))
            context.metrics.progress(completedEpochs: epoch + 1, of: epochs)
            if loss < best.loss {
                best = (loss, epoch, patience > 0 ? ParameterArchive.encode(model.network.store) : [])
            }
            return patience == 0 || epoch - best.epoch < patience
        }
        if patience > 0, !best.parameters.isEmpty {
            try ParameterArchive.load(best.parameters, name: "best epoch", into: model.network.store)
            context.metrics.quality(channel: "train", metric: "final_loss", kind: "loss", value: best.loss)
        }

        if let testChannel = context.channels["test"] {
            let test = try Self.readSeries(testChannel) // every host scores the whole test channel
            let quantiles = hyperparameters.realList("test_quantiles")!
            let evaluation = DeepAREvaluation.evaluate(model, series: test.map(\.0), quantiles: quantiles,
                                                       samples: hyperparameters.integer("num_eval_samples")!, seed: seed ^ 0x7E57)
            context.metrics.quality(channel: "test", metric: "RMSE", kind: "loss", value: evaluation.rmse)
            for q in quantiles {
                context.metrics.quality(channel: "test", metric: "wQuantileLoss[\(NumberText.format(q))]", kind: "loss",
                                        value: evaluation.weightedQuantileLoss[q] ?? .nan)
            }
            context.metrics.quality(channel: "test", metric: "mean_wQuantileLoss", kind: "loss", value: evaluation.meanWeightedQuantileLoss)
        }

        try FileManager.default.createDirectory(atPath: context.modelDirectory, withIntermediateDirectories: true)
        let metadata = JSONObject([
            ("algorithm", .string(Self.name)), ("time_freq", .string(frequency.description)),
            ("context_length", .number(Double(configuration.contextLength))), ("prediction_length", .number(Double(configuration.predictionLength))),
            ("likelihood", .string(configuration.likelihood.rawValue)),
            ("cardinality", .array(configuration.cardinality.map { .number(Double($0)) })),
            ("num_dynamic_feat", .number(Double(configuration.dynamicFeatures))), ("training_series", .number(Double(train.count))),
        ])
        guard FileManager.default.createFile(atPath: context.modelDirectory + "/deepar.model", contents: Data(model.encoded())),
              FileManager.default.createFile(atPath: context.modelDirectory + "/model.json",
                                             contents: Data(JSONWriter.bytes(of: .object(metadata)) + [0x0A])) else {
            throw FormatError(input: context.modelDirectory, .none, "cannot write the model files")
        }
    }

    /// `cardinality`: `auto` (one more than the largest index of each `cat` feature in the
    /// training data), `ignore` (no categories), or a JSON list.
    func cardinality(_ train: [(DeepARSeries, String, Int64)]) throws -> [Int] {
        let text = hyperparameters.text("cardinality")!
        switch text.lowercased() {
        case "ignore", "": return []
        case "auto":
            let count = train[0].0.categories.count
            var maxima = [Int](repeating: 0, count: count)
            for (series, file, line) in train {
                guard series.categories.count == count else {
                    throw FormatError(input: file, .line(line), field: "cat", "has \(series.categories.count) values; the first series has \(count)")
                }
                for (index, value) in series.categories.enumerated() { maxima[index] = max(maxima[index], value + 1) }
            }
            return maxima
        default:
            guard case .array(let items)? = try? JSONParser.parse(text),
                  let values = Optional(items.compactMap { $0.doubleValue.map { Int($0) } }), values.count == items.count, values.allSatisfy({ $0 >= 1 }) else {
                throw HyperparameterError(name: "cardinality", value: text, message: "expected auto, ignore or a list of positive integers such as [5, 3]")
            }
            return values
        }
    }

    /// `num_dynamic_feat`: `auto` (as many as the first series has), `ignore` (none), or a count.
    func dynamicFeatureCount(_ train: [(DeepARSeries, String, Int64)]) throws -> Int {
        let text = hyperparameters.text("num_dynamic_feat")!
        switch text.lowercased() {
        case "ignore": return 0
        case "auto": return train[0].0.dynamicFeatures.count
        default:
            guard let count = Int(text), count >= 0 else {
                throw HyperparameterError(name: "num_dynamic_feat", value: text, message: "expected auto, ignore or a non-negative integer")
            }
            return count
        }
    }
}
