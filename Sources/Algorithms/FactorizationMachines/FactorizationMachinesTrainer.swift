import Foundation
import WeirAlgorithm
import WeirMath

/// A factorization machine in training: the bias, linear weights and factor matrix with
/// Adam's moments for each. A mini-batch costs its non-zeros times the factors: only the
/// features it touches are read and updated (lazy Adam, their weight decay applied when
/// they are touched), so a one-hot set of a million columns never walks its width.
struct FactorizationMachinesTrainer {
    typealias HP = FactorizationMachinesHyperparameters
    let features: Int
    let factors: Int
    let hp: HP
    var bias: Float
    var linear: [Float]
    var factorMatrix: [Float]
    private var biasMoments: (Float, Float) = (0, 0)
    private var linearFirst: [Float], linearSecond: [Float]
    private var factorFirst: [Float], factorSecond: [Float]
    private var step = 0
    // Gradients of the touched features, and which they are.
    private var linearGradient: [Float]
    private var factorGradient: [Float]
    private var touched: [Bool]
    private var touchedList: [Int] = []
    private var sums: [Float]

    init(features: Int, hp: HP, random: inout RandomSource) {
        self.features = features
        factors = hp.factors
        self.hp = hp
        bias = Self.initial(hp.bias, random: &random)
        linear = (0..<features).map { _ in Self.initial(hp.linear, random: &random) }
        factorMatrix = (0..<(features * hp.factors)).map { _ in Self.initial(hp.factorTerm, random: &random) }
        linearFirst = [Float](repeating: 0, count: features)
        linearSecond = linearFirst
        factorFirst = [Float](repeating: 0, count: features * hp.factors)
        factorSecond = factorFirst
        linearGradient = linearFirst
        factorGradient = factorFirst
        touched = [Bool](repeating: false, count: features)
        sums = [Float](repeating: 0, count: hp.factors)
    }

    static func initial(_ term: HP.Term, random: inout RandomSource) -> Float {
        switch term.initMethod {
        case .normal: return Float(random.normal(mean: 0, standardDeviation: term.initSigma))
        case .uniform: return Float(random.uniform(in: -term.initScale..<(term.initScale + .ulpOfOne)))
        case .constant: return Float(term.initValue)
        }
    }

    /// ŷ of one row (its entries), leaving Σ_i v_if x_i in `sums`.
    @inline(__always)
    mutating func output(_ batch: FeatureBatch<Float>, row: Int) -> Float {
        let k = factors
        for f in 0..<k { sums[f] = 0 }
        var total = bias, squares: Float = 0
        batch.forEachEntry(ofRow: row) { column, x in
            guard x != 0 else { return }
            total += linear[column] * x
            let base = column * k
            for f in 0..<k {
                let vx = factorMatrix[base + f] * x
                sums[f] += vx
                squares += vx * vx
            }
        }
        var pairs: Float = 0
        for f in 0..<k { pairs += sums[f] * sums[f] }
        return total + 0.5 * (pairs - squares)
    }

    /// The loss and its derivative in ŷ: log loss (labels 0/1) or squared error.
    @inline(__always)
    func loss(output: Float, label: Float) -> (Float, Float) {
        if hp.predictor == .binaryClassifier {
            let loss = max(output, 0) + log1pf(expf(-abs(output))) - label * output
            let p = output >= 0 ? 1 / (1 + expf(-output)) : expf(output) / (1 + expf(output))
            return (loss, p - label)
        }
        let d = output - label
        return (d * d, 2 * d)
    }

    /// One Adam update on a batch; returns the batch's summed loss before it.
    mutating func train(_ batch: LabelledRows) -> Double {
        let rows = batch.count, k = factors
        guard rows > 0 else { return 0 }
        var total = 0.0
        var biasGradient: Float = 0
        for row in 0..<rows {
            let y = output(batch.features, row: row)
            let (value, g) = loss(output: y, label: batch.labels[row])
            total += Double(value)
            biasGradient += g
            batch.features.forEachEntry(ofRow: row) { column, x in
                guard x != 0 else { return }
                let base = column * k
                if !touched[column] {
                    touched[column] = true
                    touchedList.append(column)
                    linearGradient[column] = 0
                    for f in 0..<k { factorGradient[base + f] = 0 }
                }
                linearGradient[column] += g * x
                for f in 0..<k { factorGradient[base + f] += g * x * (sums[f] - factorMatrix[base + f] * x) }
            }
        }
        step += 1
        let scale = Float(hp.rescaleGradient) / Float(rows)
        let t = Float(step)
        let correction1 = 1 - powf(0.9, t), correction2 = 1 - powf(0.999, t)
        let clip = hp.clipGradient.map(Float.init)
        let epsilon = Float(hp.epsilon)
        @inline(__always) func adam(_ value: inout Float, _ gradient: Float, _ first: inout Float, _ second: inout Float, rate: Float, decay: Float) {
            var g = gradient * scale + decay * value
            if let clip { g = min(max(g, -clip), clip) }
            first = 0.9 * first + 0.1 * g
            second = 0.999 * second + 0.001 * g * g
            value -= rate * (first / correction1) / ((second / correction2).squareRoot() + epsilon)
        }
        adam(&bias, biasGradient, &biasMoments.0, &biasMoments.1, rate: Float(hp.bias.learningRate), decay: Float(hp.bias.weightDecay))
        let linearRate = Float(hp.linear.learningRate), linearDecay = Float(hp.linear.weightDecay)
        let factorRate = Float(hp.factorTerm.learningRate), factorDecay = Float(hp.factorTerm.weightDecay)
        for column in touchedList {
            adam(&linear[column], linearGradient[column], &linearFirst[column], &linearSecond[column], rate: linearRate, decay: linearDecay)
            let base = column * k
            for f in 0..<k {
                adam(&factorMatrix[base + f], factorGradient[base + f], &factorFirst[base + f], &factorSecond[base + f],
                     rate: factorRate, decay: factorDecay)
            }
            touched[column] = false
        }
        touchedList.removeAll(keepingCapacity: true)
        return total
    }

    var model: FactorizationMachinesModel {
        FactorizationMachinesModel(predictorType: hp.predictor, features: features, factors: factors, bias: Double(bias),
                                   linear: linear, factorMatrix: factorMatrix)
    }
}
