import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

/// `weir train xgboost`: gradient-boosted trees with xgboost's semantics (the `hist` tree
/// method, its objectives, metrics, defaults and model file). Prints the container's
/// per-round metric lines (`[12]<TAB>train-auc:0.98000<TAB>validation-auc:0.97000`) on the
/// train and validation channels and stops early on the validation channel's last metric.
public enum XGBoostAlgorithm: Servable {
    public typealias Model = XGBoostModel
    typealias HP = XGBoostHyperparameters

    public static let info = AlgorithmInfo(
        name: "xgboost", aliases: ["xgb"],
        summary: "Gradient-boosted trees (xgboost's hist method, objectives, metrics and JSON model file).",
        optionalChannels: ["validation", "model"],
        trainingContentTypes: ["text/csv", "text/libsvm", "application/x-recordio-protobuf", "application/jsonlines"],
        modelFile: "xgboost-model", preferredBLASThreads: 1)

    public static func predictor(for model: XGBoostModel) throws -> XGBoostPredictor {
        XGBoostPredictor(model: model)
    }

    public static func train(_ hp: XGBoostHyperparameters, context: TrainingContext) throws -> TrainedModel<XGBoostModel> {
        let began = ContinuousClock.now
        let train = try BoostingData.read(try context.channel("train"), objective: hp.objective, metrics: hp.metrics, csvWeights: hp.csvWeights)
        guard train.rows > 0 else { throw TrainingJobError(message: "the train channel holds no records") }
        guard train.featureCount > 0 else { throw TrainingJobError(message: "the train channel's records have no features") }
        let validation = try context.channels["validation"].map {
            try BoostingData.read($0, objective: hp.objective, metrics: hp.metrics, csvWeights: hp.csvWeights)
        }
        if let validation, validation.rows == 0 { throw TrainingJobError(message: "the validation channel holds no records") }
        if let validation, validation.featureCount > train.featureCount {
            throw TrainingJobError(message: "validation records have \(validation.featureCount) features; the train channel's have \(train.featureCount)")
        }
        if hp.monotoneConstraints.count > train.featureCount {
            throw TrainingJobError(message: "monotone_constraints names \(hp.monotoneConstraints.count) features; the data has \(train.featureCount)")
        }
        if let bad = hp.interactionConstraints.joined().first(where: { $0 >= train.featureCount }) {
            throw TrainingJobError(message: "interaction_constraints names feature \(bad); the data has \(train.featureCount) (0...\(train.featureCount - 1))")
        }
        if hp.objective.kind.isRanking, let weights = train.groupWeights, !weights.contains(where: { $0 > 0 }) {
            throw TrainingJobError(message: "every query group of the train channel weighs 0; ranking needs a group with weight")
        }
        let start = try context.channels["model"].map { try startingModel($0, hp: hp, features: train.featureCount) }
        let threads = hp.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let cuts = QuantileCuts.build(train, maxBin: hp.maxBin, threads: threads)
        let groups = train.groupStarts.map { "; \($0.count - 1) query groups" } ?? ""
        context.log("read \(train.rows) records x \(train.featureCount) features (\(train.isComplete ? "no" : "with") missing values)\(groups); \(cuts.totalBins) histogram bins; \(threads) thread\(threads == 1 ? "" : "s")")
        let model: XGBoostModel
        var metadata: [(String, JSONValue)]
        if cuts.totalBins < Int(UInt16.max) {
            (model, metadata) = try boost(QuantizedMatrix<UInt16>(train, cuts: cuts, threads: threads), cuts, train, validation, hp, threads, start, context)
        } else {
            (model, metadata) = try boost(QuantizedMatrix<UInt32>(train, cuts: cuts, threads: threads), cuts, train, validation, hp, threads, start, context)
        }
        let elapsed = (ContinuousClock.now - began).seconds
        context.log("trained \(model.trees.count) trees in \(NumberText.format((elapsed * 100).rounded() / 100)) s")
        metadata += [("objective", .string(hp.objective.kind.rawValue)), ("num_feature", .number(Double(train.featureCount))),
                     ("records", .number(Double(train.rows)))]
        let importance = FeatureImportance(model)
        return TrainedModel(model: model, metadata: metadata,
                            extraFiles: [("feature-importance.json", JSONWriter.bytes(of: importance.json) + [0x0A])])
    }

    /// The boosting rounds over one bin width.
    static func boost<Bin>(_ matrix: QuantizedMatrix<Bin>, _ cuts: QuantileCuts, _ train: BoostingData, _ validation: BoostingData?,
                           _ hp: HP, _ threads: Int, _ start: XGBoostModel?, _ context: TrainingContext) throws -> (XGBoostModel, [(String, JSONValue)]) {
        let objective = hp.objective
        let outputs = objective.outputs
        var model: XGBoostModel
        var random = RandomSource(seed: hp.seed)
        var best: (score: Double, round: Int)?
        var stopped = false
        var firstRound = 0
        var bias: PositionBias?
        if let resumed = try context.resume(Self.self, hyperparameters: hp) {
            guard resumed.completedEpochs <= hp.rounds else {
                throw TrainingJobError(message: "the checkpoint is after round \(resumed.completedEpochs), past num_round=\(hp.rounds); raise num_round or use another checkpoint directory")
            }
            (model, random, best, stopped) = (resumed.state.model, resumed.state.random, resumed.state.best, resumed.state.stopped)
            bias = resumed.state.bias
            firstRound = resumed.completedEpochs
        } else if let start {
            model = start
            bias = start.objective.positionBias
            context.log("boosting on from the model channel's \(start.trees.count) trees")
        } else {
            let base = hp.baseScore.map { [$0] } ?? objective.estimateBaseScore(labels: train.labels, weights: train.weights, groups: QueryGroups.of(train))
            model = XGBoostModel(objective: objective, featureCount: train.featureCount,
                                 baseScore: base.map { Double(Float($0)) }, trees: [], treeOutputs: [], attributes: [], featureNames: [])
        }
        var margins = startingMargins(model, train)
        var validationMargins = validation.map { startingMargins(model, $0) } ?? []
        var gradients = [[Float]](repeating: [Float](repeating: 0, count: 2 * train.rows), count: outputs)
        let builder = HistogramTreeBuilder(matrix: matrix, cuts: cuts, parameters: hp.tree,
                                           monotone: hp.monotoneConstraints + Array(repeating: 0, count: max(0, train.featureCount - hp.monotoneConstraints.count)),
                                           interactions: hp.interactionConstraints.map(Set.init), sampling: hp.columnSampling, threads: threads,
                                           featureHasMissing: train.featuresWithMissingValues)
        let ranking = objective.kind.isRanking
            ? LambdaRankGradients(kind: objective.kind, parameters: objective.ranking, labels: train.labels, groups: QueryGroups.of(train)) : nil
        let evaluated = [("train", train, QueryGroups.of(train))] + (validation.map { [("validation", $0, QueryGroups.of($0))] } ?? [])
        var lastScores: [(String, Double)] = []
        for round in firstRound..<max(firstRound, hp.rounds) where !stopped {
            if let ranking {
                // xgboost's iteration: the rounds the model holds (a model channel's count on).
                ranking.compute(margins: margins, iteration: model.trees.count / outputs, threads: threads, bias: &bias, into: &gradients[0])
                model.objective.positionBias = bias?.rounded
            } else {
                objective.gradients(margins: margins, labels: train.labels, weights: train.weights, into: &gradients)
            }
            if hp.subsample < 1 {
                for row in 0..<train.rows where random.uniform() >= hp.subsample {
                    for k in 0..<outputs { gradients[k][2 * row] = 0; gradients[k][2 * row + 1] = 0 }
                }
            }
            for k in 0..<outputs {
                var grown = builder.grow(gradients: gradients[k], random: &random)
                if objective.kind == .absoluteError {
                    refreshLeavesToMedians(&grown, train: train, margins: margins, gradients: gradients[k], eta: hp.tree.eta)
                }
                for (leaf, range) in grown.leafRanges {
                    let value = grown.tree.condition[leaf]
                    for index in range { margins[Int(grown.positions[index]) * outputs + k] += value }
                }
                if let validation {
                    let tree = grown.tree
                    for row in 0..<validation.rows {
                        validationMargins[row * outputs + k] += tree.condition[tree.leaf { validation.value(row: row, feature: $0) ?? .nan }]
                    }
                }
                model.trees.append(grown.tree)
                model.treeOutputs.append(k)
            }
            // The container's line: every metric on train, then on validation.
            var line = "[\(round)]"
            var scores: [(String, Double)] = []
            for (name, data, groups) in evaluated {
                let predictions = evaluationPredictions(name == "train" ? margins : validationMargins, objective: objective)
                for metric in hp.metrics {
                    let value = metric.evaluate(predictions: predictions, outputs: outputs, labels: data.labels, weights: data.weights, groups: groups)
                    line += "\t\(name)-\(metric.name):\(String(format: "%.5f", value))"
                    scores.append(("\(name)-\(metric.name)", value))
                }
            }
            context.metrics.line(line)
            lastScores = scores
            if let patience = hp.earlyStoppingRounds, validation != nil, let metric = hp.metrics.last, let score = scores.last?.1, score.isFinite {
                if let current = best {
                    let better = metric.higherIsBetter ? score > current.score : score < current.score
                    if better {
                        best = (score, round)
                    } else if round - current.round >= patience {
                        context.log("stopping: validation-\(metric.name) has not improved for \(patience) rounds; keeping the best, round \(current.round)")
                        stopped = true
                    }
                } else {
                    best = (score, round)
                }
            }
            try context.checkpoint(Self.self, completedEpochs: round + 1,
                                   state: TrainingState(model: model, random: random, best: best, stopped: stopped, bias: bias))
        }
        var metadata: [(String, JSONValue)] = lastScores.map { ($0.0, .number($0.1)) }
        if let best {
            let keep = (start?.trees.count ?? 0) + (best.round + 1) * outputs
            model.trees.removeSubrange(keep...)
            model.treeOutputs.removeSubrange(keep...)
            model.attributes = [("best_iteration", String(best.round)), ("best_score", String(best.score))]
            metadata += [("best_iteration", .number(Double(best.round))), ("best_score", .number(best.score))]
        }
        metadata.append(("num_round", .number(Double(model.trees.count / outputs))))
        return (model, metadata)
    }

    /// The model a `model` channel holds (SageMaker's incremental training: xgboost's JSON
    /// or UBJSON, as `xgboost-model` or any one file), checked against the hyperparameters.
    static func startingModel(_ channel: TrainingChannel, hp: HP, features: Int) throws -> XGBoostModel {
        let files = try channel.sources(epoch: 0)
        guard files.count == 1, let file = files.first, let bytes = FileManager.default.contents(atPath: file) else {
            throw TrainingJobError(message: "the model channel must hold one xgboost model file; found \(files.count) files")
        }
        let model = try XGBoostModel(snapshot: Array(bytes), name: file)
        guard model.objective.kind == hp.objective.kind, model.outputs == hp.objective.outputs else {
            throw TrainingJobError(message: "\(file): the model is \(model.objective.kind.rawValue) with \(model.outputs) outputs; these hyperparameters train \(hp.objective.kind.rawValue) with \(hp.objective.outputs)")
        }
        guard model.featureCount <= features else {
            throw TrainingJobError(message: "\(file): the model splits on \(model.featureCount) features; the train channel's records have \(features)")
        }
        var widened = model
        widened.featureCount = features
        return widened
    }

    /// Each record's margins under `model`: the intercept, then every tree in order (the
    /// order training adds them, so resumed training sums the same Floats).
    static func startingMargins(_ model: XGBoostModel, _ data: BoostingData) -> [Float] {
        let outputs = model.outputs
        let base = model.baseMargins
        var margins = [Float](repeating: 0, count: data.rows * outputs)
        for row in 0..<data.rows { for k in 0..<outputs { margins[row * outputs + k] = base[k] } }
        for (tree, output) in zip(model.trees, model.treeOutputs) {
            for row in 0..<data.rows {
                margins[row * outputs + output] += tree.condition[tree.leaf { data.value(row: row, feature: $0) ?? .nan }]
            }
        }
        return margins
    }

    /// reg:absoluteerror's leaf values: each leaf's weighted median residual (label minus
    /// margin before the tree) times eta, as xgboost's adaptive-tree update does.
    static func refreshLeavesToMedians(_ grown: inout HistogramTreeBuilder<some FixedWidthInteger & UnsignedInteger & Sendable>.Grown,
                                       train: BoostingData, margins: [Float], gradients: [Float], eta: Double) {
        for (leaf, range) in grown.leafRanges {
            var residuals: [Double] = []
            var weights: [Float] = []
            for index in range {
                let row = Int(grown.positions[index])
                guard gradients[2 * row + 1] != 0 else { continue }
                residuals.append(Double(train.labels[row] - margins[row]))
                weights.append(train.weights?[row] ?? 1)
            }
            guard !residuals.isEmpty else { continue }
            let median = BoostingObjective.weightedQuantile(residuals, weights: train.weights == nil ? nil : weights, alpha: 0.5)
            grown.tree.condition[leaf] = Float(median * eta)
            grown.tree.baseWeight[leaf] = grown.tree.condition[leaf]
        }
    }

    /// Margins as the metrics see them, `outputs` per record.
    static func evaluationPredictions(_ margins: [Float], objective: BoostingObjective) -> [Double] {
        let outputs = objective.outputs
        if outputs == 1 { return margins.map { objective.evaluationValue($0) } }
        var out = [Double](repeating: 0, count: margins.count)
        for row in 0..<(margins.count / outputs) {
            let values = objective.evaluationTransform(margins[(row * outputs)..<((row + 1) * outputs)])
            for k in 0..<outputs { out[row * outputs + k] = values[k] }
        }
        return out
    }
}
