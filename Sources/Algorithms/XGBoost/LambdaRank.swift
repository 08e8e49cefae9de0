import Foundation

/// xgboost 3.2's LambdaMART settings (`lambdarank_*` and `ndcg_exp_gain`), shared by the
/// ranking objectives and the ranking metrics.
public struct LambdaRankParameters: Sendable, Equatable {
    public enum PairMethod: String, Sendable, CaseIterable {
        /// Every document in the top k of the model's ranking against every document below it.
        case topk
        /// `lambdarank_num_pair_per_sample` random partners of another relevance per document.
        case mean
    }

    public var pairMethod: PairMethod = .topk
    /// `lambdarank_num_pair_per_sample`; nil when not set (32 for topk, 1 for mean).
    public var pairsPerSample: Int?
    /// Scales a query's gradients by its lambdas' sum (topk) or by the pair count (mean).
    public var normalization = true
    /// Divides each pair's metric change by the pair's score difference.
    public var scoreNormalization = true
    /// NDCG gains 2^rel - 1 (true) or rel.
    public var exponentialGain = true
    /// Unbiased LambdaMART (Hu et al. 2019): click data's position bias is learnt per
    /// position and divided out of each pair's gradient.
    public var unbiased = false
    /// The Lp norm of the position-bias regularisation (`lambdarank_bias_norm`).
    public var biasNorm = 1.0

    public init() {}

    /// The exponent of the bias update (eq. 30/31): 1 / (1 + p).
    var regularizer: Double { 1 / (1 + biasNorm) }

    /// Pairs per document, or the truncation k (xgboost's `NumPair`).
    var pairs: Int { pairsPerSample ?? (pairMethod == .mean ? 1 : 32) }

    /// The top k the objective's NDCG and MAP look at; nil for the whole list.
    var topK: Int? { pairMethod == .topk ? pairs : nil }

    /// xgboost's value for "not set", as its model files spell it.
    static let notSet = Int(UInt32.max)
}

/// Unbiased LambdaMART's learnt position bias: per tracked position, the ratio for a
/// relevant document (t+) and for an irrelevant one (t-), relative to the first position.
/// xgboost keeps them in the objective's configuration (`ti+`, `tj-`).
public struct PositionBias: Sendable, Equatable {
    public var relevant: [Double]
    public var irrelevant: [Double]

    public init(relevant: [Double], irrelevant: [Double]) {
        self.relevant = relevant
        self.irrelevant = irrelevant
    }

    /// No bias yet: every position 1.
    init(positions: Int) {
        relevant = Array(repeating: 1, count: positions)
        irrelevant = relevant
    }

    /// As a model file holds it (Float).
    var rounded: PositionBias {
        PositionBias(relevant: relevant.map { Double(Float($0)) }, irrelevant: irrelevant.map { Double(Float($0)) })
    }
}

/// A data set's query groups: record ranges that are ranked against each other (libsvm
/// `qid`, consecutive records with the same id), and one weight per group.
struct QueryGroups: Sendable, Equatable {
    /// Group `g` is records `starts[g]..<starts[g + 1]`.
    let starts: [Int]
    /// Group weights; nil when every group weighs 1.
    let weights: [Float]?
    /// Whether the data declared its groups (false: every record in one group).
    var declared = true

    var count: Int { starts.count - 1 }

    func range(_ group: Int) -> Range<Int> { starts[group]..<starts[group + 1] }

    /// The data's groups, or one group of every record when it has none (as xgboost).
    static func of(_ data: BoostingData) -> QueryGroups {
        QueryGroups(starts: data.groupStarts ?? [0, data.rows], weights: data.groupWeights, declared: data.groupStarts != nil)
    }

    var largest: Int { (0..<count).reduce(0) { max($0, starts[$1 + 1] - starts[$1]) } }
}

/// xgboost 3.2's LambdaMART gradients for `rank:pairwise` (RankNet), `rank:ndcg` and
/// `rank:map`: pairs of documents with different relevance within a query, each pair's
/// logistic gradient weighted by how much swapping the two would change the metric,
/// computed query by query (in parallel) in xgboost's order and Float arithmetic.
struct LambdaRankGradients: Sendable {
    let kind: BoostingObjective.Kind
    let parameters: LambdaRankParameters
    let groups: QueryGroups
    let labels: [Float]
    /// 1 / log2(position + 2) for every position of the largest group.
    let discounts: [Double]
    /// Per group: 1 / the ideal DCG over the top k (0 when the group has no relevant document).
    let inverseIdealDCG: [Double]
    /// Groups over the sum of group weights.
    let weightNorm: Double
    /// Positions whose bias unbiased LambdaMART tracks: the top k, else up to 32.
    let trackedPositions: Int

    init(kind: BoostingObjective.Kind, parameters: LambdaRankParameters, labels: [Float], groups: QueryGroups) {
        self.kind = kind
        self.parameters = parameters
        self.groups = groups
        self.labels = labels
        let largest = groups.largest
        discounts = (0..<largest).map { 1 / log2(Double($0) + 2) }
        if kind == .ndcg {
            inverseIdealDCG = (0..<groups.count).map {
                Self.inverseIdealDCG(labels[groups.range($0)], topK: parameters.topK, exponentialGain: parameters.exponentialGain)
            }
        } else {
            inverseIdealDCG = []
        }
        let totalWeight = groups.weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(groups.count)
        weightNorm = Double(groups.count) / totalWeight
        trackedPositions = parameters.topK ?? min(largest, 32)
    }

    /// NDCG's gain of relevance `label` (2^label - 1 for the degrees 0...31 that reading
    /// admits; anything else gains nothing rather than trapping).
    @inline(__always)
    static func gain(_ label: Float, exponential: Bool) -> Double {
        guard exponential else { return Double(label) }
        guard label >= 0, label <= 31 else { return 0 }
        return Double((UInt32(1) << UInt32(label)) &- 1)
    }

    static func discount(_ position: Int) -> Double { 1 / log2(Double(position) + 2) }

    /// 1 / IDCG of a group's labels over its top k (0 when that DCG is 0).
    static func inverseIdealDCG(_ labels: ArraySlice<Float>, topK: Int?, exponentialGain: Bool) -> Double {
        let ideal = labels.sorted(by: >)
        var dcg = 0.0
        for position in 0..<min(ideal.count, topK ?? Int.max) {
            dcg += discount(position) * gain(ideal[position], exponential: exponentialGain)
        }
        return dcg == 0 ? 0 : 1 / dcg
    }

    /// The documents of a group ordered by descending score, ties in record order.
    static func rankByScore(_ scores: UnsafeBufferPointer<Float>) -> [Int] {
        var order = Array(scores.indices)
        order.sort { scores[$0] > scores[$1] || scores[$0] == scores[$1] && $0 < $1 }
        return order
    }

    /// Fills `out` (gradient, hessian interleaved per record) for round `iteration`; for
    /// unbiased LambdaMART, divides by `bias` (all ones when nil) and updates it from this
    /// round's pairs, as xgboost does after each round's gradients.
    func compute(margins: [Float], iteration: Int, threads: Int, bias: inout PositionBias?, into out: inout [Float]) {
        // A bias tracked over other positions (a model trained on other data) starts afresh.
        if parameters.unbiased && bias?.relevant.count != trackedPositions { bias = PositionBias(positions: trackedPositions) }
        let current = parameters.unbiased ? bias : nil
        var relevantLoss = [Double](repeating: 0, count: current == nil ? 0 : labels.count)
        var irrelevantLoss = relevantLoss
        out.withUnsafeMutableBufferPointer { pointer in
            relevantLoss.withUnsafeMutableBufferPointer { li in
                irrelevantLoss.withUnsafeMutableBufferPointer { lj in
                    let (shared, sharedLi, sharedLj) = (SharedBuffer(pointer), SharedBuffer(li), SharedBuffer(lj))
                    Parallel.forEach(groups.count, threads: threads) { group in
                        margins.withUnsafeBufferPointer { scores in
                            self.computeGroup(group, scores: scores, iteration: iteration, bias: current,
                                              loss: (sharedLi.buffer, sharedLj.buffer), out: shared.buffer)
                        }
                    }
                }
            }
        }
        guard var updated = current, trackedPositions > 0 else { return }
        // Sum each tracked position's losses over the groups, then t(i) = (L(i) / L(0))^(1/(1+p)).
        var li = [Double](repeating: 0, count: trackedPositions), lj = li
        for group in 0..<groups.count {
            let range = groups.range(group)
            for position in 0..<min(range.count, trackedPositions) {
                li[position] += relevantLoss[range.lowerBound + position]
                lj[position] += irrelevantLoss[range.lowerBound + position]
            }
        }
        let exponent = parameters.regularizer
        for position in 0..<trackedPositions {
            if li[0] >= 1e-16 { updated.relevant[position] = pow(li[position] / li[0], exponent) }
            if lj[0] >= 1e-16 { updated.irrelevant[position] = pow(lj[position] / lj[0], exponent) }
        }
        bias = updated
    }

    /// The gradients of round `iteration` as a new array (position bias all ones).
    func computed(margins: [Float], iteration: Int, threads: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 2 * margins.count)
        var bias: PositionBias?
        compute(margins: margins, iteration: iteration, threads: threads, bias: &bias, into: &out)
        return out
    }

    private func computeGroup(_ group: Int, scores allScores: UnsafeBufferPointer<Float>, iteration: Int, bias: PositionBias?,
                              loss: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>),
                              out: UnsafeMutableBufferPointer<Float>) {
        let range = groups.range(group)
        let count = range.count
        let start = range.lowerBound
        for index in range { out[2 * index] = 0; out[2 * index + 1] = 0 }
        guard count > 0 else { return }
        let scores = UnsafeBufferPointer(rebasing: allScores[range])
        let rank = Self.rankByScore(scores)
        func label(_ position: Int) -> Float { labels[start + rank[position]] }
        let best = scores[rank[0]], worst = scores[rank[count - 1]]

        // MAP's running statistics over the model's ranking.
        var relevantSoFar: [Double] = []
        var precisionSum: [Double] = []
        if kind == .map {
            relevantSoFar.reserveCapacity(count)
            precisionSum.reserveCapacity(count)
            var relevant = 0.0, accumulated = 0.0
            for position in 0..<count {
                relevant += Double(label(position))
                accumulated += Double(label(position)) / Double(position + 1)
                relevantSoFar.append(relevant)
                precisionSum.append(accumulated)
            }
        }
        let inverseIDCG = kind == .ndcg ? inverseIdealDCG[group] : 0
        let exponential = parameters.exponentialGain

        /// |Δmetric| of swapping the documents at positions `high` (more relevant) and `low`.
        func metricChange(_ yHigh: Float, _ yLow: Float, _ high: Int, _ low: Int) -> Double {
            switch kind {
            case .ndcg:
                let gainHigh = Self.gain(yHigh, exponential: exponential), gainLow = Self.gain(yLow, exponential: exponential)
                let original = gainHigh * discounts[high] + gainLow * discounts[low]
                let changed = gainLow * discounts[high] + gainHigh * discounts[low]
                return (original - changed) * inverseIDCG
            case .map:
                var (yHigh, yLow, high, low) = (yHigh, yLow, high, low)
                if high > low { swap(&high, &low); swap(&yHigh, &yLow) }
                let total = relevantSoFar[count - 1]
                let m = relevantSoFar[low], n = relevantSoFar[high]
                let rHigh = Double(high) + 1, rLow = Double(low) + 1
                let b = precisionSum[low - 1] - precisionSum[high]
                if yHigh < yLow { return (m / rLow - (n + 1) / rHigh - b) / total }
                return (n / rHigh - m / rLow + b) / total
            default:
                return 1
            }
        }

        var sumLambda = 0.0
        func pair(_ first: Int, _ second: Int) {
            var high = first, low = second
            let yFirst = label(first), ySecond = label(second)
            if yFirst == ySecond { return }
            if yFirst < ySecond { swap(&high, &low) }
            let yHigh = label(high), yLow = label(low)
            let indexHigh = rank[high], indexLow = rank[low]
            let sHigh = scores[indexHigh], sLow = scores[indexLow]
            let scoreGap = Double(abs(sHigh - sLow))
            let sigmoid = Double(Self.sigmoid(sHigh - sLow))
            var change = abs(metricChange(yHigh, yLow, high, low))
            if parameters.scoreNormalization && best != worst { change /= scoreGap + 0.01 }
            var lambdaValue = (sigmoid - 1) * change
            var hessianValue = max(sigmoid * (1 - sigmoid), 1e-16) * change * 2
            if let bias {
                // Positions are the documents' places in the group as given (their logged ranks).
                let tracked = indexHigh < bias.relevant.count && indexLow < bias.relevant.count
                if tracked && bias.irrelevant[indexLow] >= 1e-16 && bias.relevant[indexHigh] >= 1e-16 {
                    lambdaValue /= bias.relevant[indexHigh] * bias.irrelevant[indexLow]
                    hessianValue /= bias.relevant[indexHigh] * bias.irrelevant[indexLow]
                }
                if tracked {
                    let cost = log(1 / (1 - sigmoid)) * change
                    if bias.irrelevant[indexLow] >= 1e-16 { loss.0[start + indexHigh] += cost / bias.irrelevant[indexLow] }
                    if bias.relevant[indexHigh] >= 1e-16 { loss.1[start + indexLow] += cost / bias.relevant[indexHigh] }
                }
            }
            let lambda = Float(lambdaValue)
            let hessian = Float(hessianValue)
            out[2 * (start + indexHigh)] += lambda
            out[2 * (start + indexHigh) + 1] += hessian
            out[2 * (start + indexLow)] += -lambda
            out[2 * (start + indexLow) + 1] += hessian
            sumLambda += -2 * Double(lambda)
        }

        if parameters.pairMethod == .topk {
            for i in 0..<min(count, parameters.pairs) {
                for j in (i + 1)..<count { pair(i, j) }
            }
        } else {
            samplePairs(group: group, count: count, iteration: iteration, label: label, pair)
        }

        if parameters.normalization {
            var norm = 1.0
            if parameters.pairMethod == .mean {
                norm = 1 / Double(parameters.pairs)
            } else if sumLambda > 0 {
                norm = log2(1 + sumLambda) / sumLambda
            }
            if norm != 1 {
                let factor = Float(norm)
                for index in range { out[2 * index] *= factor; out[2 * index + 1] *= factor }
            }
        }
        let weight = groups.weights?[group] ?? 1
        let norm = Float(weightNorm)
        for index in range {
            out[2 * index] = out[2 * index] * weight * norm
            out[2 * index + 1] = out[2 * index + 1] * weight * norm
        }
    }

    /// The mean method's pairs: for each of `pairs` rounds, each document gets one random
    /// partner of another relevance (xgboost's `MakePairs` with its minstd_rand seeding and
    /// libstdc++'s uniform_int_distribution, so the same pairs as xgboost).
    private func samplePairs(group: Int, count: Int, iteration: Int, label: (Int) -> Float, _ pair: (Int, Int) -> Void) {
        let seed = (UInt32(truncatingIfNeeded: iteration) &+ 1) &* UInt32(truncatingIfNeeded: groups.count) &+ UInt32(truncatingIfNeeded: group)
        var random = MinimalStandardRandom(seed: seed)
        var byLabel = Array(0..<count)
        byLabel.sort { label($0) > label($1) || label($0) == label($1) && $0 < $1 }
        var i = 0
        while i < count {
            var j = i + 1
            while j < count && label(byLabel[i]) == label(byLabel[j]) { j += 1 }
            let lefts = i, rights = count - j
            if lefts + rights == 0 { i = j; continue }
            for _ in 0..<parameters.pairs {
                for position in i..<j {
                    var partner = random.uniform(upTo: lefts + rights - 1)
                    if partner >= lefts { partner = partner - i + j }
                    pair(byLabel[position], byLabel[partner])
                }
            }
            i = j
        }
    }

    /// xgboost's float sigmoid (exponent capped at 88.7).
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (expf(min(-x, 88.7)) + 1)
    }
}

/// C++'s `std::minstd_rand` with libstdc++'s `uniform_int_distribution` on top: the pair
/// sampler xgboost's CPU ranking objectives use.
struct MinimalStandardRandom {
    private var state: UInt64

    init(seed: UInt32) {
        let reduced = UInt64(seed) % 2_147_483_647
        state = reduced == 0 ? 1 : reduced
    }

    mutating func next() -> UInt64 {
        state = state * 48_271 % 2_147_483_647
        return state
    }

    /// Uniform on 0...upper by rejection of the generator's range [1, 2^31 - 2].
    mutating func uniform(upTo upper: Int) -> Int {
        let generatorRange: UInt64 = 2_147_483_646 - 1
        let range = UInt64(upper)
        guard generatorRange > range else { return Int(next() - 1) }
        let scaled = range + 1
        let scaling = generatorRange / scaled
        let past = scaled * scaling
        var value: UInt64
        repeat { value = next() - 1 } while value >= past
        return Int(value / scaling)
    }
}
