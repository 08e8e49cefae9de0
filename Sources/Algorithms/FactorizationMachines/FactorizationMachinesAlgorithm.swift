import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

/// `weir train factorization-machines`: SageMaker's Factorization Machines, a linear model
/// plus a rank-`num_factors` model of every pairwise interaction, for sparse data (one-hot
/// users x items, clicks). Mini-batch Adam with lazy updates: training costs the non-zeros
/// times the factors, never the width. Data that fits in a quarter of memory is read once
/// (compressed sparse rows) and shuffled each epoch; larger data streams in file order.
/// Reports SageMaker's metric lines per epoch (train) and on a `test` channel.
public enum FactorizationMachinesAlgorithm: Servable {
    public typealias Model = FactorizationMachinesModel
    typealias HP = FactorizationMachinesHyperparameters

    public static let info = AlgorithmInfo(
        name: "factorization-machines", aliases: ["factorization_machines", "fm"],
        summary: "Factorization machines: linear terms plus low-rank pairwise interactions, for wide sparse data.",
        optionalChannels: ["test"],
        trainingContentTypes: ["application/x-recordio-protobuf", "text/csv", "application/jsonlines", "text/libsvm"],
        modelFile: "model.fm", preferredBLASThreads: 1)

    public static func predictor(for model: FactorizationMachinesModel) throws -> FactorizationMachinesPredictor {
        FactorizationMachinesPredictor(model: model)
    }

    public static func train(_ hp: FactorizationMachinesHyperparameters, context: TrainingContext) throws -> TrainedModel<FactorizationMachinesModel> {
        let train = LabelledChannel(try context.channel("train"), dimension: hp.featureDimension, batchSize: hp.batchSize,
                                    labels: hp.labelKind, algorithm: "Factorization Machines")
        let start = ContinuousClock.now
        let loaded = try train.load(pass: 0, headCount: 0, budget: LabelledChannel.memoryBudget,
                                    hostIndex: context.hostIndex, hostCount: context.hostCount)
        var pass = 1
        guard loaded.count > 0 else { throw TrainingJobError(message: "the train channel holds no records") }
        if loaded.all == nil { context.log("the training data is over \(LabelledChannel.memoryBudget) bytes: streaming it in file order each epoch") }
        var random = RandomSource(seed: hp.seed)
        var trainer = FactorizationMachinesTrainer(features: hp.featureDimension, hp: hp, random: &random)
        let lossName = hp.predictor == .binaryClassifier ? "binary_classification_cross_entropy" : "rmse"
        for epoch in 0..<hp.epochs {
            let epochStart = ContinuousClock.now
            var total = 0.0
            var seen = 0
            func step(_ batch: LabelledRows) {
                total += trainer.train(batch)
                seen += batch.count
                if (seen / hp.batchSize) % 50 == 0 {
                    let elapsed = max((ContinuousClock.now - epochStart).seconds, 1e-9)
                    context.metrics.progressBar(epoch: epoch, of: hp.epochs, fraction: Double(seen) / Double(loaded.count),
                                                loss: total / Double(seen), recordsPerSecond: Double(seen) / elapsed)
                }
            }
            try train.forEachEpochBatch(loaded, random: &random, pass: &pass, hostIndex: context.hostIndex, hostCount: context.hostCount) { step($0) }
            let mean = total / Double(max(seen, 1))
            context.metrics.quality(channel: "train", metric: lossName, kind: "loss",
                                    value: hp.predictor == .binaryClassifier ? mean : mean.squareRoot(), epoch: epoch)
            context.metrics.progress(completedEpochs: epoch + 1, of: hp.epochs)
            let elapsed = max((ContinuousClock.now - epochStart).seconds, 1e-9)
            context.metrics.throughput(channel: "train", recordsPerSecond: Double(seen) / elapsed)
        }
        context.metrics.endProgressBar()
        let model = trainer.model
        guard model.bias.isFinite, model.linear.allSatisfy(\.isFinite), model.factorMatrix.allSatisfy(\.isFinite) else {
            throw TrainingJobError(message: "training diverged: the model has non-finite values; lower the learning rates or set clip_gradient")
        }
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.log("trained \(hp.epochs) epochs over \(loaded.count) records in \(NumberText.format((elapsed * 100).rounded() / 100)) s")
        var metadata: [(String, JSONValue)] = [
            ("predictor_type", .string(hp.predictor.rawValue)), ("feature_dim", .number(Double(hp.featureDimension))),
            ("num_factors", .number(Double(hp.factors))), ("records", .number(Double(loaded.count))),
        ]
        if let test = context.channels["test"] {
            let channel = LabelledChannel(test, dimension: hp.featureDimension, batchSize: hp.batchSize, labels: hp.labelKind,
                                          algorithm: "Factorization Machines")
            for (name, value, kind) in try evaluate(model, on: channel) {
                context.metrics.quality(channel: "test", metric: name, kind: kind, value: value)
                metadata.append(("test_\(name)", .number(value)))
            }
        }
        return TrainedModel(model: model, metadata: metadata)
    }

    /// SageMaker's test metrics: accuracy, cross entropy and F1 (with precision, recall and
    /// ROC AUC) for a binary classifier at 0.5; RMSE (and MSE) for a regressor.
    static func evaluate(_ model: FactorizationMachinesModel, on channel: LabelledChannel) throws -> [(String, Double, String)] {
        var scores: [Double] = [], labels: [Float] = []
        try channel.forEach(pass: 0) { features, label in
            scores.append(model.responseScore(model.output(features)))
            labels.append(label)
        }
        guard !labels.isEmpty else { throw TrainingJobError(message: "the test channel holds no records") }
        let n = Double(labels.count)
        if model.predictorType == .regressor {
            let mse = zip(scores, labels).reduce(0.0) { $0 + ($1.0 - Double($1.1)) * ($1.0 - Double($1.1)) } / n
            return [("rmse", mse.squareRoot(), "loss"), ("mse", mse, "loss")]
        }
        var tp = 0, fp = 0, correct = 0, entropy = 0.0
        for (p, label) in zip(scores, labels) {
            let positive = label == 1
            if (p >= 0.5) == positive { correct += 1 }
            if p >= 0.5 { if positive { tp += 1 } else { fp += 1 } }
            let clamped = min(max(p, 1e-15), 1 - 1e-15)
            entropy -= positive ? log(clamped) : log(1 - clamped)
        }
        let positives = labels.filter { $0 == 1 }.count
        let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        let recall = positives > 0 ? Double(tp) / Double(positives) : 0
        var metrics = [("binary_classification_accuracy", Double(correct) / n, "score"),
                       ("binary_classification_cross_entropy", entropy / n, "loss"),
                       ("binary_f_beta", EvaluationMetrics.fScore(precision: precision, recall: recall, beta: 1), "score"),
                       ("precision", precision, "score"), ("recall", recall, "score")]
        let auc = EvaluationMetrics.rocAUC(scores: scores, labels: labels.map { $0 == 1 })
        if auc.isFinite { metrics.append(("roc_auc_score", auc, "score")) }
        return metrics
    }
}
