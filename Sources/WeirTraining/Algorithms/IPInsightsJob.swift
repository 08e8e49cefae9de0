import Foundation
import WeirCore
import WeirFormats
import WeirIPInsights
import WeirMath

/// `weir train ipinsights`: SageMaker's IP Insights. The `train` channel holds headerless
/// CSV `entity,address` pairs (IPv4 or IPv6); the optional `validation` channel too. Each
/// epoch streams the channel through a bounded shuffle buffer into mini-batches. With a
/// validation channel, each epoch reports `discriminator_auc` (real pairs against random
/// addresses), and the validation scores calibrate the fraud threshold (the score below
/// which `false_positive_rate` of normal logins fall); without one, training pairs do.
/// The model folder gets `ipinsights.model` and `model.json`.
public struct IPInsightsJob: TrainingAlgorithm {
    public static let name = "ipinsights"
    public static let aliases = ["ip_insights", "ip-insights"]
    public static let snapshotFile: String? = "ipinsights.model"
    public static let summary = "IP Insights: entity and IP address embeddings; scores how usual a login's address is for its entity."
    public static let hyperparameters: [HyperparameterDefinition] = [
        HyperparameterDefinition("num_entity_vectors", .integer(1...250_000_000)),
        HyperparameterDefinition("vector_dim", .integer(4...4_096)),
        HyperparameterDefinition("epochs", .integer(1...100_000), default: "10"),
        HyperparameterDefinition("learning_rate", .real(1e-6...10), default: "0.001"),
        HyperparameterDefinition("mini_batch_size", .integer(1...500_000), default: "10000"),
        HyperparameterDefinition("num_ip_encoder_layers", .integer(0...100), default: "1"),
        HyperparameterDefinition("random_negative_sampling_rate", .integer(0...500), default: "1"),
        HyperparameterDefinition("shuffled_negative_sampling_rate", .integer(0...500), default: "1"),
        HyperparameterDefinition("weight_decay", .real(0...10), default: "0.00001"),
        HyperparameterDefinition("batch_metrics_publish_interval", .integer(1...Int(Int32.max)), default: "1000"),
        // Weir's own: the IP prefix table's rows, prefix dropout, calibration and seed.
        HyperparameterDefinition("num_ip_vectors", .integer(1...268_435_456), default: "65536"),
        HyperparameterDefinition("prefix_dropout", .real(0...0.9), default: "0.4"),
        HyperparameterDefinition("false_positive_rate", .real(0.0001...0.5), default: "0.01"),
        HyperparameterDefinition("shuffle_buffer_size", .integer(1...100_000_000), default: "1000000"),
        HyperparameterDefinition("seed", .integer(0...Int(Int32.max)), default: "0"),
    ]
    public static let requiredChannels: Set<String> = ["train"]
    public static let optionalChannels: Set<String> = ["validation"]

    let configuration: IPInsightsModel.Configuration
    let options: IPInsightsTrainer.Options
    let epochs: Int
    let batchSize: Int
    let metricsInterval: Int
    let falsePositiveRate: Double
    let shuffleBufferSize: Int
    let seed: UInt64

    public init(hyperparameters: Hyperparameters) throws {
        configuration = IPInsightsModel.Configuration(vectorDimension: hyperparameters.integer("vector_dim")!,
                                                      entityVectors: hyperparameters.integer("num_entity_vectors")!,
                                                      ipVectors: hyperparameters.integer("num_ip_vectors")!,
                                                      encoderLayers: hyperparameters.integer("num_ip_encoder_layers")!)
        let random = hyperparameters.integer("random_negative_sampling_rate")!
        let shuffled = hyperparameters.integer("shuffled_negative_sampling_rate")!
        guard (1...500).contains(random + shuffled) else {
            throw HyperparameterError(name: "random_negative_sampling_rate", value: "\(random)",
                                      message: "random_negative_sampling_rate + shuffled_negative_sampling_rate is \(random + shuffled); it must be between 1 and 500")
        }
        options = IPInsightsTrainer.Options(learningRate: Float(hyperparameters.real("learning_rate")!),
                                            weightDecay: Float(hyperparameters.real("weight_decay")!),
                                            randomNegatives: random, shuffledNegatives: shuffled,
                                            prefixDropout: Float(hyperparameters.real("prefix_dropout")!))
        epochs = hyperparameters.integer("epochs")!
        batchSize = hyperparameters.integer("mini_batch_size")!
        metricsInterval = hyperparameters.integer("batch_metrics_publish_interval")!
        falsePositiveRate = hyperparameters.real("false_positive_rate")!
        shuffleBufferSize = hyperparameters.integer("shuffle_buffer_size")!
        seed = UInt64(hyperparameters.integer("seed")!)
    }

    /// Every pair of one epoch of `channel`; errors name the file, line and field.
    static func forEachPair(_ channel: TrainingChannel, epoch: Int, hostIndex: Int = 0, hostCount: Int = 1,
                            _ body: (LoginPair) throws -> Void) throws {
        try channel.forEachTextRecord(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount) { fields, file, line in
            let pair: Result<LoginPair, LoginPair.Problem> = Result { () throws(LoginPair.Problem) in try LoginPair(fields: fields) }
            switch pair {
            case .success(let pair): try body(pair)
            case .failure(let problem): throw FormatError(input: file, .line(line), field: problem.field, problem.message)
            }
        }
    }

    public func train(_ context: TrainingContext) throws {
        guard let train = context.channels["train"] else { throw TrainingJobError(message: "the train channel is missing") }
        let trainer = IPInsightsTrainer(model: IPInsightsModel(configuration: configuration, seed: seed), options: options, seed: seed)
        let clock = ContinuousClock()
        var validationPairs: [LoginPair]? = nil
        var trainedPairs = 0
        var trainingSeconds = 0.0
        var recordsPerEpoch: Int?
        // The last epoch's scorer and validation AUC describe the final model: kept, not recomputed.
        var finalScorer: IPInsightsScorer?
        var finalAUC: Double?
        for epoch in 0..<epochs {
            let epochStart = clock.now
            var shuffle = ShuffleBuffer<LoginPair>(capacity: shuffleBufferSize, seed: seed &+ UInt64(epoch) &* 7_919)
            var entityRows: [Int32] = [], addresses: [IPAddress] = []
            entityRows.reserveCapacity(batchSize)
            addresses.reserveCapacity(batchSize)
            var lossSum = 0.0, batches = 0, pairs = 0, records = 0, realPairs = 0
            func add(_ pair: LoginPair) {
                entityRows.append(trainer.model.entityRow(pair.key))
                addresses.append(pair.address)
                guard entityRows.count == batchSize else { return }
                flush()
            }
            func flush() {
                guard !entityRows.isEmpty else { return }
                let result = trainer.train(entityRows: entityRows, addresses: addresses)
                realPairs += entityRows.count
                lossSum += result.loss
                batches += 1
                pairs += result.pairs
                entityRows.removeAll(keepingCapacity: true)
                addresses.removeAll(keepingCapacity: true)
                if batches % metricsInterval == 0 {
                    let seconds = (clock.now - epochStart).seconds
                    // The first epoch does not know the channel's size yet; later ones use the first's.
                    let fraction = recordsPerEpoch.map { Double(realPairs) / Double(max($0, 1)) } ?? 0
                    context.metrics.progressBar(epoch: epoch, of: epochs, fraction: fraction, loss: lossSum / Double(batches),
                                                recordsPerSecond: Double(pairs) / max(seconds, 1e-9))
                }
            }
            try Self.forEachPair(train, epoch: epoch, hostIndex: context.hostIndex, hostCount: context.hostCount) { pair in
                if epoch == 0 { trainer.noteEntity(pair.key) }
                records += 1
                if let out = shuffle.add(pair) { add(out) }
            }
            guard records > 0 else { throw TrainingJobError(message: "the train channel holds no records") }
            if recordsPerEpoch == nil { recordsPerEpoch = records }
            for pair in shuffle.finish() { add(pair) }
            flush()
            let seconds = (clock.now - epochStart).seconds
            trainingSeconds += seconds
            trainedPairs += pairs
            context.metrics.endProgressBar()
            context.metrics.quality(channel: "train", metric: "binary_classification_cross_entropy", kind: "loss",
                                    value: lossSum / Double(max(batches, 1)), epoch: epoch)
            context.metrics.throughput(channel: "train", recordsPerSecond: Double(pairs) / max(seconds, 1e-9))
            if let validation = context.channels["validation"] {
                if validationPairs == nil {
                    var collected: [LoginPair] = []
                    try Self.forEachPair(validation, epoch: 0) { // every host validates on the whole channel
                        collected.append($0)
                    }
                    validationPairs = collected
                }
                let scorer = IPInsightsScorer(model: trainer.model)
                let auc = DiscriminatorAUC.compute(scorer: scorer, entityRows: validationPairs!.map { trainer.model.entityRow($0.key) },
                                                   addresses: validationPairs!.map(\.address), seed: seed ^ 0xA0C)
                context.metrics.quality(channel: "validation", metric: "discriminator_auc", kind: "score", value: auc, epoch: epoch)
                (finalScorer, finalAUC) = (scorer, auc)
            }
            context.metrics.progress(completedEpochs: epoch + 1, of: epochs)
        }

        // Calibrate on validation pairs, or on (up to a million) training pairs.
        var calibrationPairs = validationPairs ?? []
        let calibratedOn = validationPairs == nil ? "train" : "validation"
        if validationPairs == nil {
            try Self.forEachPair(train, epoch: epochs, hostIndex: context.hostIndex, hostCount: context.hostCount) { pair in
                if calibrationPairs.count < 1_000_000 { calibrationPairs.append(pair) }
            }
        }
        let scorer = finalScorer ?? IPInsightsScorer(model: trainer.model)
        var scores = [Float](repeating: 0, count: calibrationPairs.count)
        let rows = calibrationPairs.map { trainer.model.entityRow($0.key) }
        let addresses = calibrationPairs.map(\.address)
        rows.withUnsafeBufferPointer { rowBuffer in
            addresses.withUnsafeBufferPointer { addressBuffer in
                scores.withUnsafeMutableBufferPointer { scorer.score(entityRows: rowBuffer, addresses: addressBuffer, into: $0.baseAddress!) }
            }
        }
        trainer.setCalibration(ScoreCalibration(scores: scores), falsePositiveRate: falsePositiveRate)
        let model = trainer.model
        let auc = finalAUC
        if let auc { context.metrics.quality(channel: "validation", metric: "discriminator_auc", kind: "score", value: auc) }
        if let threshold = model.threshold {
            context.metrics.quality(channel: calibratedOn, metric: "score_threshold", kind: "score", value: threshold)
        }
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(trainedPairs) / max(trainingSeconds, 1e-9))

        try FileManager.default.createDirectory(atPath: context.modelDirectory, withIntermediateDirectories: true)
        var metadata: [(String, JSONValue)] = [
            ("algorithm", .string(Self.name)), ("vector_dim", .number(Double(configuration.vectorDimension))),
            ("num_entity_vectors", .number(Double(configuration.entityVectors))),
            ("num_ip_vectors", .number(Double(configuration.ipVectors))),
            ("num_ip_encoder_layers", .number(Double(configuration.encoderLayers))),
            ("trained_entities", .number(Double(model.entityFilter.insertedCount))),
            ("false_positive_rate", .number(falsePositiveRate)), ("calibrated_on", .string(calibratedOn)),
        ]
        if let threshold = model.threshold { metadata.append(("score_threshold", .number(threshold))) }
        if let auc { metadata.append(("validation_discriminator_auc", .number(auc))) }
        guard FileManager.default.createFile(atPath: context.modelDirectory + "/ipinsights.model", contents: Data(model.encoded())),
              FileManager.default.createFile(atPath: context.modelDirectory + "/model.json",
                                             contents: Data(JSONWriter.bytes(of: .object(JSONObject(metadata))) + [0x0A])) else {
            throw FormatError(input: context.modelDirectory, .none, "cannot write the model files")
        }
    }
}
