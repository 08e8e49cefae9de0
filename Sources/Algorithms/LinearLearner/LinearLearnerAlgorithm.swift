import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

/// `weir train linear-learner`: SageMaker's Linear Learner. `num_models` linear models
/// train side by side on the same shuffled mini-batches (one matrix product per batch for
/// all of them), each with its own learning rate and regularisation; every epoch scores
/// them on the validation channel (or their own training loss), keeps each model's best
/// epoch and stops early when none improves. The model kept is the best on the
/// calibration records (validation, else training) for the selection criterion, with the
/// binary threshold that criterion picks there; the scalers are folded into its weights.
/// A `test` channel reports SageMaker's metrics. Data that fits in a quarter of memory is
/// read once and shuffled each epoch; larger data streams through in file order.
public enum LinearLearnerAlgorithm: Servable {
    public typealias Model = LinearLearnerModel
    typealias HP = LinearLearnerHyperparameters

    public static let info = AlgorithmInfo(
        name: "linear-learner", aliases: ["linear_learner", "linearlearner"],
        summary: "Linear classification and regression (logistic, softmax, hinge, squared and robust losses), many models trained at once.",
        optionalChannels: ["validation", "test"],
        trainingContentTypes: ["text/csv", "application/x-recordio-protobuf", "application/jsonlines", "text/libsvm"],
        modelFile: "model.linear", preferredBLASThreads: 1)

    public static func predictor(for model: LinearLearnerModel) throws -> LinearLearnerPredictor { LinearLearnerPredictor(model: model) }

    public static func train(_ hp: LinearLearnerHyperparameters, context: TrainingContext) throws -> TrainedModel<LinearLearnerModel> {
        let trainChannel = try context.channel("train")
        var pass = 0
        let dimension: Int
        if let given = hp.featureDimension {
            dimension = given
        } else {
            let inferred = try FeatureBatchReader.inferDimension(of: trainChannel, epoch: pass, hostIndex: context.hostIndex, hostCount: context.hostCount)
            dimension = inferred.dimension
            pass += inferred.passes
            try HP.checkSize(features: dimension, outputs: hp.classes, models: hp.modelCount)
            context.log("feature_dim=auto: \(dimension) features")
        }
        let train = LabelledChannel(trainChannel, dimension: dimension, batchSize: hp.batchSize, labels: hp.labelKind, algorithm: "Linear Learner")
        let start = ContinuousClock.now
        let loaded = try train.load(pass: pass, headCount: hp.scalerPoints, budget: LabelledChannel.memoryBudget,
                                    hostIndex: context.hostIndex, hostCount: context.hostCount)
        pass += 1
        guard loaded.count > 0 else { throw TrainingJobError(message: "the train channel holds no records") }
        if loaded.all == nil { context.log("the training data is over \(LabelledChannel.memoryBudget) bytes: streaming it in file order each epoch") }

        let sparse = loaded.head.features.isSparse
        let centre = hp.normalizeData && (hp.unbiasData ?? !sparse)
        if centre && sparse {
            throw TrainingJobError(message: "unbias_data=true centres every feature, which would make sparse records dense; leave it auto or set it false for sparse data")
        }
        let scaler = LinearScaler.fit(sample: loaded.head.features, labels: loaded.head.labels, centre: centre,
                                      scale: hp.normalizeData, normaliseLabel: hp.normalizeLabel)
        let loss = LinearLoss(kind: hp.loss, margin: hp.margin, quantile: hp.quantile,
                              epsilon: hp.lossInsensitivity / scaler.labelScale, delta: hp.huberDelta / scaler.labelScale)
        let weighting = RowWeighting(hp: hp, classCounts: loaded.classCounts, records: loaded.count)
        let outputs = loss.isSoftmax ? hp.classes : 1

        var random = RandomSource(seed: hp.seed)
        let settings = ModelSearch(hp: hp).settings(random: &random)
        let biasInit = hp.normalizeLabel ? scaler.scaledLabel(Float(hp.initBias)) : Float(hp.initBias)
        var bank = LinearModelBank(features: dimension, outputs: outputs, settings: settings, hp: hp, biasInit: biasInit, random: &random)

        // The validation channel: held in memory when it fits, else read once per epoch.
        var validationPass = 0
        let validation = context.channels["validation"].map { LabelledChannel($0, dimension: dimension, batchSize: hp.batchSize, labels: hp.labelKind, algorithm: "Linear Learner") }
        let validationLoaded = try validation.map {
            defer { validationPass += 1 }
            return try $0.load(pass: validationPass, headCount: 0, budget: LabelledChannel.memoryBudget / 2)
        }
        if let validationLoaded, validationLoaded.count == 0 { throw TrainingJobError(message: "the validation channel holds no records") }
        let validationRows = validationLoaded?.all

        let batchesPerEpoch = (loaded.count + hp.batchSize - 1) / hp.batchSize
        let schedulerStep = hp.schedulerStep ?? batchesPerEpoch
        var updates = 0
        var stopping = EarlyStopping(patience: hp.patience, tolerance: hp.tolerance)
        var bestLoss = [Double](repeating: .infinity, count: settings.count)
        var best = (weights: bank.weights, bias: bank.bias)
        var epochsRun = 0
        for epoch in 0..<hp.epochs {
            let epochStart = ContinuousClock.now
            var totals = [Double](repeating: 0, count: settings.count)
            var weightSum = 0.0
            var seen = 0
            func step(_ batch: LabelledRows) {
                let rowWeights = weighting.weights(batch.labels)
                let labels = hp.normalizeLabel ? batch.labels.map(scaler.scaledLabel) : batch.labels
                let batchTotals = bank.train(batch.features, labels: labels, rowWeights: rowWeights, loss: loss, scaler: scaler)
                for model in totals.indices { totals[model] += batchTotals[model] }
                weightSum += rowWeights.reduce(0.0) { $0 + Double($1) }
                seen += batch.count
                updates += 1
                if hp.useScheduler && updates % schedulerStep == 0 { bank.rateScale *= Float(hp.schedulerFactor) }
                if updates % 50 == 0 {
                    let elapsed = max((ContinuousClock.now - epochStart).seconds, 1e-9)
                    context.metrics.progressBar(epoch: epoch, of: hp.epochs, fraction: Double(seen) / Double(loaded.count),
                                                loss: (totals.min() ?? 0) / max(weightSum, 1e-12), recordsPerSecond: Double(seen) / elapsed)
                }
            }
            try train.forEachEpochBatch(loaded, random: &random, pass: &pass, hostIndex: context.hostIndex, hostCount: context.hostCount) { step($0) }
            epochsRun += 1
            let trainLosses = totals.map { $0 / max(weightSum, 1e-12) }
            context.metrics.quality(channel: "train", metric: "objective_loss", kind: "loss", value: trainLosses.min() ?? .nan, epoch: epoch)
            var epochLosses = trainLosses
            if let validation {
                epochLosses = try meanLosses(of: &bank, rows: validationRows, channel: validation, pass: validationPass,
                                             weighting: weighting, loss: loss, scaler: scaler, hp: hp)
                if validationRows == nil { validationPass += 1 }
                context.metrics.quality(channel: "validation", metric: "objective_loss", kind: "loss", value: epochLosses.min() ?? .nan, epoch: epoch)
                for model in settings.indices where epochLosses[model] < bestLoss[model] {
                    bestLoss[model] = epochLosses[model]
                    bank.copy(model: model, to: &best)
                }
            }
            context.metrics.progress(completedEpochs: epoch + 1, of: hp.epochs)
            let elapsed = max((ContinuousClock.now - epochStart).seconds, 1e-9)
            context.metrics.throughput(channel: "train", recordsPerSecond: Double(seen) / elapsed)
            stopping.record(loss: epochLosses.min() ?? .infinity)
            if stopping.shouldStop {
                context.log("early stopping after epoch \(epoch + 1): no relative improvement of \(hp.tolerance) for \(hp.patience) epochs")
                break
            }
        }
        context.metrics.endProgressBar()
        // With a validation channel each model keeps its best epoch.
        if validation != nil {
            for model in settings.indices where bestLoss[model].isFinite { bank.copy(model: model, to: &best, restore: true) }
        }

        // Choose the model, and the binary threshold, on the calibration records.
        let calibration: LabelledRows
        if let rows = validationRows ?? loaded.all {
            calibration = rows.count > hp.calibrationSamples ? rows.gathered(0..<hp.calibrationSamples) : rows
        } else {
            let channel = validation ?? train
            let readPass = validation == nil ? pass : validationPass
            calibration = try channel.firstRecords(hp.calibrationSamples, pass: readPass)
        }
        let choice = try choose(&bank, calibration: calibration, weighting: weighting, loss: loss, scaler: scaler, hp: hp)
        let parameters = bank.parameters(of: choice.model)
        let model = fold(weights: parameters.weights, bias: parameters.bias, scaler: scaler, hp: hp, outputs: outputs,
                         features: dimension, threshold: choice.threshold)
        guard model.weights.allSatisfy(\.isFinite), model.bias.allSatisfy(\.isFinite) else {
            throw TrainingJobError(message: "every model diverged: the kept model has non-finite weights; lower learning_rate or use optimizer adam")
        }
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.log("trained \(settings.count) models for \(epochsRun) epochs in \(NumberText.format((elapsed * 100).rounded() / 100)) s; kept model \(choice.model)")

        let chosen = settings[choice.model]
        var metadata: [(String, JSONValue)] = [
            ("predictor_type", .string(hp.predictor.rawValue)), ("loss", .string(hp.loss.rawValue)),
            ("feature_dim", .number(Double(dimension))), ("records", .number(Double(loaded.count))),
            ("num_models", .number(Double(settings.count))), ("epochs_run", .number(Double(epochsRun))),
            ("chosen_model", .number(Double(choice.model))), ("learning_rate", .number(chosen.learningRate)),
            ("wd", .number(chosen.weightDecay)), ("l1", .number(chosen.l1)),
        ]
        if hp.predictor == .binaryClassifier {
            metadata += [("threshold", .number(choice.threshold)), ("binary_classifier_model_selection_criteria", .string(hp.criterion.rawValue)),
                         ("calibration_value", .number(choice.value))]
        }
        let evaluation = LinearLearnerEvaluation(model: model, hp: hp)
        for (name, channel) in [("validation", validation), ("test", context.channels["test"].map { LabelledChannel($0, dimension: dimension, batchSize: hp.batchSize, labels: hp.labelKind, algorithm: "Linear Learner") })] {
            guard let channel else { continue }
            let metrics = try evaluation.evaluate(channel, pass: name == "validation" ? validationPass : 0)
            for metric in metrics {
                context.metrics.quality(channel: name, metric: metric.name, kind: metric.kind, value: metric.value)
                metadata.append(("\(name)_\(metric.name)", .number(metric.value)))
            }
        }
        return TrainedModel(model: model, metadata: metadata)
    }

    /// Each model's mean weighted loss on a channel (training scale).
    static func meanLosses(of bank: inout LinearModelBank, rows: LabelledRows?, channel: LabelledChannel, pass: Int,
                           weighting: RowWeighting, loss: LinearLoss, scaler: LinearScaler, hp: HP) throws -> [Double] {
        var totals = [Double](repeating: 0, count: bank.models)
        var weightSum = 0.0
        func add(_ batch: LabelledRows) {
            let rowWeights = weighting.weights(batch.labels)
            let labels = hp.normalizeLabel ? batch.labels.map(scaler.scaledLabel) : batch.labels
            bank.score(batch.features, scaler: scaler)
            let batchTotals = bank.losses(rows: batch.count, labels: labels, rowWeights: rowWeights, loss: loss, gradients: false)
            for model in totals.indices { totals[model] += batchTotals[model] }
            weightSum += rowWeights.reduce(0.0) { $0 + Double($1) }
        }
        if let rows {
            for first in stride(from: 0, to: rows.count, by: hp.batchSize) { add(rows.gathered(first..<min(first + hp.batchSize, rows.count))) }
        } else {
            try channel.forEachBatch(pass: pass) { add($0) }
        }
        return totals.map { $0 / max(weightSum, 1e-12) }
    }

    /// The model kept: for a binary classifier (unless the criterion is loss_function) the
    /// lowest-loss model among those whose best threshold gives a criterion value within one
    /// standard error of the best; otherwise the lowest loss. A kept model whose loss is
    /// over twice that of answering 0 on the training scale (probability 0.5, the label's
    /// mean) has diverged: an error that names the remedy, never an unusable model.
    static func choose(_ bank: inout LinearModelBank, calibration: LabelledRows, weighting: RowWeighting, loss: LinearLoss,
                       scaler: LinearScaler, hp: HP) throws -> (model: Int, threshold: Double, value: Double) {
        let models = bank.models, k = bank.columns
        var totals = [Double](repeating: 0, count: models)
        var constantTotal = 0.0
        var scores = [[Double]](repeating: [], count: hp.predictor == .binaryClassifier ? models : 0)
        for first in stride(from: 0, to: calibration.count, by: hp.batchSize) {
            let batch = calibration.gathered(first..<min(first + hp.batchSize, calibration.count))
            bank.score(batch.features, scaler: scaler)
            if hp.predictor == .binaryClassifier {
                for row in 0..<batch.count {
                    for model in 0..<models {
                        let s = bank.scores[row * k + model]
                        scores[model].append(hp.loss == .logistic ? Double(LinearLoss.sigmoid(s)) : Double(s))
                    }
                }
            }
            let labels = hp.normalizeLabel ? batch.labels.map(scaler.scaledLabel) : batch.labels
            let rowWeights = weighting.weights(batch.labels)
            let batchTotals = bank.losses(rows: batch.count, labels: labels, rowWeights: rowWeights, loss: loss, gradients: false)
            for model in 0..<models { totals[model] += batchTotals[model] }
            for (label, weight) in zip(labels, rowWeights) {
                constantTotal += Double(weight) * (loss.isSoftmax ? log(Double(bank.outputs)) : Double(loss.evaluate(score: 0, label: label).loss))
            }
        }
        // A model whose loss is not finite (sgd with too high a rate diverges) is never kept.
        totals = totals.map { $0.isFinite ? $0 : .infinity }
        let lowestLoss = totals.indices.min { totals[$0] < totals[$1] } ?? 0
        guard totals[lowestLoss] <= 2 * constantTotal + 1e-9 else {
            throw TrainingJobError(message: "every model diverged: the best loss on the calibration records is \(totals[lowestLoss] / Double(max(calibration.count, 1))), "
                                   + "over twice a constant answer's \(constantTotal / Double(max(calibration.count, 1))); lower learning_rate or use optimizer adam")
        }
        let defaultThreshold = hp.loss == .logistic ? 0.5 : 0
        guard hp.predictor == .binaryClassifier, hp.criterion != .lossFunction, !calibration.labels.isEmpty else {
            return (lowestLoss, defaultThreshold, totals[lowestLoss] / Double(max(calibration.count, 1)))
        }
        let labels = calibration.labels.map { $0 == 1 }
        let search = BinaryThreshold(criterion: hp.criterion, beta: hp.fBeta, targetPrecision: hp.targetPrecision, targetRecall: hp.targetRecall)
        let found = (0..<models).map { search.best(scores: scores[$0], labels: labels) }
        let top = (0..<models).filter { totals[$0].isFinite }.map { found[$0].value }.max() ?? 0
        // Values within one standard error of the best are a tie that sampling noise
        // decides: among them the lowest loss wins (so a heavily regularised model with
        // an equal accuracy does not displace a calibrated one).
        let standardError = (max(top * (1 - top), 1e-6) / Double(calibration.count)).squareRoot()
        let bestModel = (0..<models).filter { found[$0].value >= top - standardError && totals[$0].isFinite }
            .min { totals[$0] < totals[$1] } ?? lowestLoss
        let bestChoice = found[bestModel]
        return (bestModel, bestChoice.threshold, bestChoice.value)
    }

    /// The model on the records' own scale: w / scale (times the label's scale), and the
    /// bias less the weighted shifts (then the label's shift added back).
    static func fold(weights: [Float], bias: [Float], scaler: LinearScaler, hp: HP, outputs: Int, features: Int, threshold: Double) -> LinearLearnerModel {
        var folded = [Float](repeating: 0, count: weights.count)
        var offsets = bias.map(Double.init)
        for feature in 0..<features {
            let inverse = Double(scaler.inverseScale[feature]), shift = Double(scaler.shift[feature])
            for output in 0..<outputs {
                let w = Double(weights[feature * outputs + output]) * inverse
                folded[feature * outputs + output] = Float(w * scaler.labelScale)
                offsets[output] -= w * shift
            }
        }
        let finalBias = offsets.map { $0 * scaler.labelScale + scaler.labelShift }
        return LinearLearnerModel(predictorType: hp.predictor, loss: hp.loss, features: features, outputs: outputs,
                                  weights: folded, bias: finalBias, threshold: threshold)
    }
}
