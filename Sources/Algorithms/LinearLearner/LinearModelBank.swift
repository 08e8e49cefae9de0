import Foundation
import WeirAlgorithm
import WeirMath

/// What differs between the models trained side by side.
struct ModelSettings: Sendable, Equatable {
    var learningRate: Double
    var weightDecay: Double
    var l1: Double
}

/// `num_models` linear models trained on the same mini-batches. Their weights are the
/// columns of one features x (models x outputs) matrix, so one matrix product scores a
/// dense batch for all of them and one more gives all their gradients; a sparse batch
/// costs its non-zeros times the columns, and only the rows it touches are updated
/// (lazy updates: a 1M-column one-hot set never walks its width per batch). Each column
/// keeps its model's learning rate, L2 (`wd`) and L1 (applied as a proximal step).
struct LinearModelBank {
    typealias Optimizer = LinearLearnerHyperparameters.OptimizerKind
    let features: Int
    /// Outputs per model: classes for softmax, else 1.
    let outputs: Int
    let settings: [ModelSettings]
    let optimizer: Optimizer
    let beta1: Float, beta2: Float, momentum: Float
    let useBias: Bool
    let biasRateMultiplier: Float, biasDecayMultiplier: Float
    /// features x columns, row-major.
    var weights: [Float]
    var bias: [Float]
    private var first: [Float], second: [Float]
    private var biasFirst: [Float], biasSecond: [Float]
    private let columnRate: [Float], columnDecay: [Float], columnL1: [Float]
    /// Updates so far (Adam's bias correction).
    private(set) var step = 0
    /// The scheduler's factor on every learning rate, and its floor.
    var rateScale: Float = 1
    let minimumRate: Float
    // Scratch kept between batches.
    private var scaled: [Float] = []
    private(set) var scores: [Float] = []
    private var gradient: [Float]
    private var biasGradient: [Float]
    private var touched: [Bool] = []
    private var touchedRows: [Int] = []

    var models: Int { settings.count }
    var columns: Int { settings.count * outputs }

    init(features: Int, outputs: Int, settings: [ModelSettings], hp: LinearLearnerHyperparameters, biasInit: Float, random: inout RandomSource) {
        self.features = features
        self.outputs = outputs
        self.settings = settings
        optimizer = hp.optimizer
        beta1 = Float(hp.beta1)
        beta2 = Float(hp.beta2)
        momentum = Float(hp.momentum)
        useBias = hp.useBias
        biasRateMultiplier = Float(hp.biasLearningRateMultiplier)
        biasDecayMultiplier = Float(hp.biasWeightDecayMultiplier)
        let columns = settings.count * outputs
        let count = features * columns
        switch hp.initMethod {
        case .uniform:
            let scale = hp.initScale
            weights = (0..<count).map { _ in Float(random.uniform(in: -scale..<(scale + .ulpOfOne))) }
        case .normal:
            weights = (0..<count).map { _ in Float(random.normal(mean: 0, standardDeviation: hp.initSigma)) }
        }
        bias = [Float](repeating: hp.useBias ? biasInit : 0, count: columns)
        first = [Float](repeating: 0, count: optimizer == .rmsprop ? 0 : count)
        second = [Float](repeating: 0, count: optimizer == .sgd ? 0 : count)
        biasFirst = [Float](repeating: 0, count: columns)
        biasSecond = [Float](repeating: 0, count: columns)
        columnRate = settings.flatMap { repeatElement(Float($0.learningRate), count: outputs) }
        columnDecay = settings.flatMap { repeatElement(Float($0.weightDecay), count: outputs) }
        columnL1 = settings.flatMap { repeatElement(Float($0.l1), count: outputs) }
        minimumRate = Float(hp.schedulerMinimum ?? 0)
        gradient = [Float](repeating: 0, count: count)
        biasGradient = [Float](repeating: 0, count: columns)
    }

    // MARK: Scoring

    /// Scores every model on a batch: `scores` becomes rows x columns.
    mutating func score(_ batch: FeatureBatch<Float>, scaler: LinearScaler) {
        let rows = batch.count, k = columns, d = features
        if scores.count < rows * k { scores = [Float](repeating: 0, count: rows * k) }
        guard let storage = batch.storage else { return }
        switch storage {
        case .dense(let matrix):
            if scaled.count < rows * d { scaled = [Float](repeating: 0, count: rows * d) }
            scaled.withUnsafeMutableBufferPointer { out in
                matrix.withUnsafeBufferPointer { x in
                    scaler.shift.withUnsafeBufferPointer { shift in
                        scaler.inverseScale.withUnsafeBufferPointer { inverse in
                            for row in 0..<rows {
                                let base = row * d
                                for column in 0..<d { out[base + column] = (x[base + column] - shift[column]) * inverse[column] }
                            }
                        }
                    }
                }
            }
            // scores = bias (broadcast) + scaled x weights
            scores.withUnsafeMutableBufferPointer { out in
                for row in 0..<rows { for column in 0..<k { out[row * k + column] = bias[column] } }
                scaled.withUnsafeBufferPointer { a in
                    weights.withUnsafeBufferPointer { b in
                        BLAS.gemm(m: rows, n: k, k: d, a: a.baseAddress!, lda: d, b: b.baseAddress!, ldb: k, beta: 1, c: out.baseAddress!, ldc: k)
                    }
                }
            }
        case .sparse(let starts, let indices, let values):
            scores.withUnsafeMutableBufferPointer { out in
                weights.withUnsafeBufferPointer { w in
                    scaler.inverseScale.withUnsafeBufferPointer { inverse in
                        for row in 0..<rows {
                            let base = row * k
                            for column in 0..<k { out[base + column] = bias[column] }
                            for entry in starts[row]..<starts[row + 1] {
                                let feature = Int(indices[entry])
                                let x = values[entry] * inverse[feature]
                                let weightRow = feature * k
                                for column in 0..<k { out[base + column] += x * w[weightRow + column] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each model's summed loss over a batch (labels on the training scale, weights per
    /// row), from the scores of the last `score` call; with `gradients`, `scores` is
    /// overwritten by the loss's derivative in each score, times row weight / rows.
    mutating func losses(rows: Int, labels: [Float], rowWeights: [Float], loss: LinearLoss, gradients: Bool) -> [Double] {
        let k = columns, c = outputs, models = self.models
        var totals = [Double](repeating: 0, count: models)
        let scale = gradients ? 1 / Float(rows) : 1
        scores.withUnsafeMutableBufferPointer { s in
            for row in 0..<rows {
                let label = labels[row], weight = rowWeights[row]
                let base = row * k
                if loss.isSoftmax {
                    let target = Int(label)
                    for model in 0..<models {
                        let at = s.baseAddress! + base + model * c
                        let value = LinearLoss.softmax(at, count: c, label: target, weight: weight * scale, gradient: gradients ? at : nil)
                        totals[model] += Double(weight * value)
                    }
                } else {
                    for model in 0..<models {
                        let (value, derivative) = loss.evaluate(score: s[base + model], label: label)
                        totals[model] += Double(weight * value)
                        if gradients { s[base + model] = derivative * weight * scale }
                    }
                }
            }
        }
        return totals
    }

    // MARK: Training

    /// One update of every model on a batch; returns each model's summed loss before it.
    mutating func train(_ batch: FeatureBatch<Float>, labels: [Float], rowWeights: [Float], loss: LinearLoss, scaler: LinearScaler) -> [Double] {
        let rows = batch.count
        guard rows > 0, let storage = batch.storage else { return [Double](repeating: 0, count: models) }
        score(batch, scaler: scaler)
        let totals = losses(rows: rows, labels: labels, rowWeights: rowWeights, loss: loss, gradients: true)
        step += 1
        let k = columns, d = features
        // The bias gradient: column sums of the score derivatives.
        for column in 0..<k { biasGradient[column] = 0 }
        scores.withUnsafeBufferPointer { g in
            for row in 0..<rows { for column in 0..<k { biasGradient[column] += g[row * k + column] } }
        }
        switch storage {
        case .dense:
            gradient.withUnsafeMutableBufferPointer { out in
                scaled.withUnsafeBufferPointer { a in
                    scores.withUnsafeBufferPointer { g in
                        BLAS.gemm(transposeA: true, m: d, n: k, k: rows, a: a.baseAddress!, lda: d, b: g.baseAddress!, ldb: k,
                                  beta: 0, c: out.baseAddress!, ldc: k)
                    }
                }
            }
            applyUpdate(rows: 0..<d)
        case .sparse(let starts, let indices, let values):
            if touched.count < d { touched = [Bool](repeating: false, count: d) }
            touchedRows.removeAll(keepingCapacity: true)
            gradient.withUnsafeMutableBufferPointer { out in
                scores.withUnsafeBufferPointer { g in
                    scaler.inverseScale.withUnsafeBufferPointer { inverse in
                        for row in 0..<rows {
                            for entry in starts[row]..<starts[row + 1] {
                                let feature = Int(indices[entry])
                                if !touched[feature] {
                                    touched[feature] = true
                                    touchedRows.append(feature)
                                    for column in 0..<k { out[feature * k + column] = 0 }
                                }
                                let x = values[entry] * inverse[feature]
                                for column in 0..<k { out[feature * k + column] += x * g[row * k + column] }
                            }
                        }
                    }
                }
            }
            applyUpdate(rowList: touchedRows)
            for feature in touchedRows { touched[feature] = false }
        }
        updateBias()
        return totals
    }

    private mutating func applyUpdate(rows: Range<Int>) {
        for row in rows { updateRow(row) }
    }

    private mutating func applyUpdate(rowList: [Int]) {
        for row in rowList { updateRow(row) }
    }

    /// The optimiser's step on one feature's weights across all columns.
    @inline(__always)
    private mutating func updateRow(_ row: Int) {
        let k = columns
        let base = row * k
        let t = Float(step)
        let correction1 = 1 - powf(beta1, t), correction2 = 1 - powf(beta2, t)
        let rateScale = self.rateScale, minimum = minimumRate
        let optimizer = self.optimizer, beta1 = self.beta1, beta2 = self.beta2, momentum = self.momentum
        weights.withUnsafeMutableBufferPointer { w in
        gradient.withUnsafeBufferPointer { g in
        first.withUnsafeMutableBufferPointer { m in
        second.withUnsafeMutableBufferPointer { v in
        columnRate.withUnsafeBufferPointer { rates in
        columnDecay.withUnsafeBufferPointer { decays in
        columnL1.withUnsafeBufferPointer { l1s in
            for column in 0..<k {
                let at = base + column
                let rate = min(rates[column], max(rates[column] * rateScale, minimum))
                let grad = g[at] + decays[column] * w[at]
                switch optimizer {
                case .adam, .auto:
                    m[at] = beta1 * m[at] + (1 - beta1) * grad
                    v[at] = beta2 * v[at] + (1 - beta2) * grad * grad
                    w[at] -= rate * (m[at] / correction1) / ((v[at] / correction2).squareRoot() + 1e-8)
                case .rmsprop:
                    v[at] = beta2 * v[at] + (1 - beta2) * grad * grad
                    w[at] -= rate * grad / (v[at].squareRoot() + 1e-8)
                case .sgd:
                    m[at] = momentum * m[at] + grad
                    w[at] -= rate * m[at]
                }
                let shrink = rate * l1s[column]
                if shrink > 0 { w[at] = w[at] > shrink ? w[at] - shrink : (w[at] < -shrink ? w[at] + shrink : 0) }
            }
        }}}}}}}
    }

    private mutating func updateBias() {
        guard useBias else { return }
        let t = Float(step)
        let correction1 = 1 - powf(beta1, t), correction2 = 1 - powf(beta2, t)
        for column in 0..<columns {
            let rate = min(columnRate[column], max(columnRate[column] * rateScale, minimumRate)) * biasRateMultiplier
            let grad = biasGradient[column] + columnDecay[column] * biasDecayMultiplier * bias[column]
            switch optimizer {
            case .adam, .auto:
                biasFirst[column] = beta1 * biasFirst[column] + (1 - beta1) * grad
                biasSecond[column] = beta2 * biasSecond[column] + (1 - beta2) * grad * grad
                bias[column] -= rate * (biasFirst[column] / correction1) / ((biasSecond[column] / correction2).squareRoot() + 1e-8)
            case .rmsprop:
                biasSecond[column] = beta2 * biasSecond[column] + (1 - beta2) * grad * grad
                bias[column] -= rate * grad / (biasSecond[column].squareRoot() + 1e-8)
            case .sgd:
                biasFirst[column] = momentum * biasFirst[column] + grad
                bias[column] -= rate * biasFirst[column]
            }
        }
    }

    // MARK: Models

    /// One model's weights (features x outputs, row-major) and biases.
    func parameters(of model: Int) -> (weights: [Float], bias: [Float]) {
        var out = [Float](repeating: 0, count: features * outputs)
        let k = columns, offset = model * outputs
        for row in 0..<features { for output in 0..<outputs { out[row * outputs + output] = weights[row * k + offset + output] } }
        return (out, Array(bias[offset..<(offset + outputs)]))
    }

    /// Copies one model's columns into a copy of the bank's matrices (the best epoch's,
    /// kept for early stopping), or back from it with `restore`.
    mutating func copy(model: Int, to copy: inout (weights: [Float], bias: [Float]), restore: Bool = false) {
        let k = columns, offset = model * outputs
        for row in 0..<features {
            for output in 0..<outputs {
                let at = row * k + offset + output
                if restore { weights[at] = copy.weights[at] } else { copy.weights[at] = weights[at] }
            }
        }
        for output in 0..<outputs {
            if restore { bias[offset + output] = copy.bias[offset + output] } else { copy.bias[offset + output] = bias[offset + output] }
        }
    }
}
