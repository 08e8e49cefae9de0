import Foundation
import WeirCore
import WeirFormats
import WeirAlgorithm
import WeirMath

/// `weir train ipinsights`: SageMaker's IP Insights. The `train` channel holds headerless
/// CSV `entity,address` pairs (IPv4 or IPv6); the optional `validation` channel too. Each
/// epoch streams the channel through a bounded shuffle buffer into mini-batches. With a
/// validation channel, each epoch reports `discriminator_auc` (real pairs against random
/// addresses), and the validation scores calibrate the fraud threshold (the score below
/// which `false_positive_rate` of normal logins fall); without one, training pairs do.
/// The model folder gets `ipinsights.model` and `model.json`.
public enum IPInsightsAlgorithm: Servable {
    public typealias Model = IPInsightsModel

    public static let info = AlgorithmInfo(
        name: "ipinsights", aliases: ["ip_insights", "ip-insights"],
        summary: "IP Insights: entity and IP address embeddings; scores how usual a login's address is for its entity.",
        optionalChannels: ["validation"], trainingContentTypes: ["text/csv"], modelFile: "ipinsights.model",
        streamOperator: "ip_insights")

    public static func predictor(for model: IPInsightsModel) -> IPInsightsPredictor { IPInsightsPredictor(model: model) }

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

    public static func train(_ hyperparameters: IPInsightsHyperparameters, context: TrainingContext) throws -> TrainedModel<IPInsightsModel> {
        let (configuration, options, epochs, batchSize) = (hyperparameters.configuration, hyperparameters.options,
                                                           hyperparameters.epochs, hyperparameters.batchSize)
        let (metricsInterval, falsePositiveRate, shuffleBufferSize, seed) = (hyperparameters.metricsInterval, hyperparameters.falsePositiveRate,
                                                                              hyperparameters.shuffleBufferSize, hyperparameters.seed)
        let train = try context.channel("train")
        let trainer: IPInsightsTrainer
        var firstEpoch = 0
        if let resumed = try context.resume(Self.self, hyperparameters: hyperparameters) {
            guard resumed.completedEpochs <= epochs else {
                throw TrainingJobError(message: "the checkpoint is after epoch \(resumed.completedEpochs), past epochs=\(epochs); raise epochs or use another checkpoint directory")
            }
            (trainer, firstEpoch) = (resumed.state, resumed.completedEpochs)
        } else {
            trainer = IPInsightsTrainer(model: IPInsightsModel(configuration: configuration, seed: seed), options: options, seed: seed)
        }
        let clock = ContinuousClock()
        var validationPairs: [LoginPair]? = nil
        var trainedPairs = 0
        var trainingSeconds = 0.0
        var recordsPerEpoch: Int?
        // The last epoch's scorer and validation AUC describe the final model: kept, not recomputed.
        var finalScorer: IPInsightsScorer?
        var finalAUC: Double?
        /// The discriminator AUC of the model now on the validation pairs (read before training).
        func validate(_ pairs: [LoginPair]) -> (IPInsightsScorer, Double) {
            let scorer = IPInsightsScorer(model: trainer.model)
            let auc = DiscriminatorAUC.compute(scorer: scorer, entityRows: pairs.map { trainer.model.entityRow($0.key) },
                                               addresses: pairs.map(\.address), seed: seed ^ 0xA0C)
            return (scorer, auc)
        }
        // Read (and check) the validation channel before training: a bad or empty file
        // costs no training time, and an AUC of nothing is not reported.
        if let validation = context.channels["validation"] {
            var collected: [LoginPair] = []
            try Self.forEachPair(validation, epoch: 0) { collected.append($0) } // every host validates on the whole channel
            guard !collected.isEmpty else {
                throw TrainingJobError(message: "the validation channel (\(validation.path)) holds no entity,ip pairs; give it data or leave it out")
            }
            validationPairs = collected
        }
        for epoch in firstEpoch..<epochs {
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
            if let validationPairs {
                let (scorer, auc) = validate(validationPairs)
                context.metrics.quality(channel: "validation", metric: "discriminator_auc", kind: "score", value: auc, epoch: epoch)
                (finalScorer, finalAUC) = (scorer, auc)
            }
            context.metrics.progress(completedEpochs: epoch + 1, of: epochs)
            try context.checkpoint(Self.self, completedEpochs: epoch + 1, state: trainer)
        }
        // A job resumed after its last epoch validates the model it finishes.
        if finalAUC == nil, let validationPairs {
            (finalScorer, finalAUC) = validate(validationPairs)
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

        var metadata: [(String, JSONValue)] = [
            ("vector_dim", .number(Double(configuration.vectorDimension))),
            ("num_entity_vectors", .number(Double(configuration.entityVectors))),
            ("num_ip_vectors", .number(Double(configuration.ipVectors))),
            ("num_ip_encoder_layers", .number(Double(configuration.encoderLayers))),
            ("trained_entities", .number(Double(model.entityFilter.insertedCount))),
            ("false_positive_rate", .number(falsePositiveRate)), ("calibrated_on", .string(calibratedOn)),
        ]
        if let threshold = model.threshold { metadata.append(("score_threshold", .number(threshold))) }
        if let auc { metadata.append(("validation_discriminator_auc", .number(auc))) }
        return TrainedModel(model: model, metadata: metadata)
    }
}
