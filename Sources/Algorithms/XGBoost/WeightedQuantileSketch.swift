/// xgboost 3.2's weighted quantile sketch for one feature (`WQuantileSketch<float, float>`
/// as its `HostSketchContainer` drives it): values arrive in record order into a buffer of
/// `2 * limitSize` entries; a full buffer becomes a sorted summary that climbs a ladder of
/// levels, merged and pruned to `limitSize` entries each (GK-style merge and prune). Ranks
/// are Float, as xgboost's, so the summaries, and the cuts taken from them, are xgboost's
/// own at any data size.
struct WeightedQuantileSketch {
    /// A distinct value with the weight strictly below it (`rankMin`), up to and including
    /// it (`rankMax`) and its own weight.
    struct Entry: Equatable {
        var rankMin: Float
        var rankMax: Float
        var weight: Float
        var value: Float
        var rankMinNext: Float { rankMin + weight }
        var rankMaxPrevious: Float { rankMax - weight }
    }

    let limitSize: Int
    /// Raw values (and weights, when weighted) pushed since the buffer was last emptied.
    private var pendingValues: [Float] = []
    private var pendingWeights: [Float] = []
    private let weighted: Bool
    /// Buffer entries as xgboost counts them: consecutive equal values share one.
    private var pendingEntries = 0
    private var levels: [[Entry]] = []

    /// A sketch for a feature with `count` values and at most `maxBin` bins.
    init(count: Int, maxBin: Int, weighted: Bool) {
        let bins = max(1, min(maxBin, count))
        let eps = 1.0 / Double(Float(bins) * 8)
        limitSize = Self.limitSize(count: count, eps: eps)
        self.weighted = weighted
    }

    /// xgboost's `LimitSizeLevel`: the fewest levels whose capacity covers `count` values.
    static func limitSize(count: Int, eps: Double) -> Int {
        var levels = 1
        while true {
            let limit = min(count, Int((Double(levels) / eps).rounded(.up)) + 1)
            let (capacity, overflow) = (1 << levels).multipliedReportingOverflow(by: limit)
            if overflow || capacity >= count || levels >= 60 { return limit }
            levels += 1
        }
    }

    mutating func push(_ value: Float, weight: Float = 1) {
        if weight == 0 { return }
        let continues = pendingEntries > 0 && pendingValues[pendingValues.count - 1] == value
        if pendingEntries == 2 * limitSize && !continues {
            let summary = Self.summary(values: pendingValues, weights: weighted ? pendingWeights : nil)
            pendingValues.removeAll(keepingCapacity: true)
            pendingWeights.removeAll(keepingCapacity: true)
            pendingEntries = 0
            pushUp(summary)
        }
        if !(pendingEntries > 0 && pendingValues[pendingValues.count - 1] == value) { pendingEntries += 1 }
        pendingValues.append(value)
        if weighted { pendingWeights.append(weight) }
    }

    /// The buffer's exact summary: distinct values in order with their accumulated ranks.
    static func summary(values: [Float], weights: [Float]?) -> [Entry] {
        var out: [Entry] = []
        var rank: Float = 0
        if let weights {
            let order = values.indices.sorted { values[$0] < values[$1] }
            var index = 0
            while index < order.count {
                let value = values[order[index]]
                var weight: Float = 0
                while index < order.count && values[order[index]] == value {
                    weight += weights[order[index]]
                    index += 1
                }
                out.append(Entry(rankMin: rank, rankMax: rank + weight, weight: weight, value: value))
                rank += weight
            }
        } else {
            let sorted = FloatRadixSort.sorted(values[...])
            var index = 0
            while index < sorted.count {
                var end = index + 1
                while end < sorted.count && sorted[end] == sorted[index] { end += 1 }
                let weight = Float(end - index)
                out.append(Entry(rankMin: rank, rankMax: rank + weight, weight: weight, value: sorted[index]))
                rank += weight
                index = end
            }
        }
        return out
    }

    /// xgboost's `PushTemp`: a full buffer's summary merges up the levels until one holds it.
    private mutating func pushUp(_ summary: [Entry]) {
        var temp = summary
        var level = 1
        while true {
            while levels.count < level + 1 { levels.append([]) }
            if levels[level].isEmpty {
                levels[level] = Self.prune(temp, to: limitSize)
                return
            }
            levels[0] = Self.prune(temp, to: limitSize)
            temp = Self.combine(levels[0], levels[level])
            if temp.count > limitSize {
                levels[level] = []
                level += 1
            } else {
                levels[level] = temp
                return
            }
        }
    }

    /// xgboost's `GetSummary`: the buffer and every level merged into one summary.
    mutating func finish() -> [Entry] {
        var out = Self.summary(values: pendingValues, weights: weighted ? pendingWeights : nil)
        guard !levels.isEmpty else {
            return out.count > limitSize ? Self.prune(out, to: limitSize) : out
        }
        levels[0] = Self.prune(out, to: limitSize)
        for level in 1..<levels.count where !levels[level].isEmpty {
            if levels[0].isEmpty {
                levels[0] = levels[level]
            } else {
                out = Self.combine(levels[0], levels[level])
                levels[0] = Self.prune(out, to: limitSize)
            }
        }
        return levels[0]
    }

    /// xgboost's `WQSummary::SetPrune`: at most `size` entries at evenly spaced ranks.
    static func prune(_ source: [Entry], to size: Int) -> [Entry] {
        guard source.count > size else { return source }
        let begin = source[0].rankMax
        let range = source[source.count - 1].rankMin - source[0].rankMax
        let n = size - 1
        var out = [source[0]]
        out.reserveCapacity(size)
        var i = 1, last = 0
        for k in 1..<max(1, n) {
            let dx2 = 2 * ((Float(k) * range) / Float(n) + begin)
            while i < source.count - 1 && dx2 >= source[i + 1].rankMax + source[i + 1].rankMin { i += 1 }
            if i == source.count - 1 { break }
            if dx2 < source[i].rankMinNext + source[i + 1].rankMaxPrevious {
                if i != last {
                    out.append(source[i])
                    last = i
                }
            } else if i + 1 != last {
                out.append(source[i + 1])
                last = i + 1
            }
        }
        if last != source.count - 1 { out.append(source[source.count - 1]) }
        return out
    }

    /// xgboost's `SetCombine`: the summary of two summaries' data, then `FixError`.
    static func combine(_ a: [Entry], _ b: [Entry]) -> [Entry] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [Entry] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        var aPreviousRankMin: Float = 0, bPreviousRankMin: Float = 0
        while i < a.count && j < b.count {
            if a[i].value == b[j].value {
                out.append(Entry(rankMin: a[i].rankMin + b[j].rankMin, rankMax: a[i].rankMax + b[j].rankMax,
                                 weight: a[i].weight + b[j].weight, value: a[i].value))
                aPreviousRankMin = a[i].rankMinNext
                bPreviousRankMin = b[j].rankMinNext
                i += 1
                j += 1
            } else if a[i].value < b[j].value {
                out.append(Entry(rankMin: a[i].rankMin + bPreviousRankMin, rankMax: a[i].rankMax + b[j].rankMaxPrevious,
                                 weight: a[i].weight, value: a[i].value))
                aPreviousRankMin = a[i].rankMinNext
                i += 1
            } else {
                out.append(Entry(rankMin: b[j].rankMin + aPreviousRankMin, rankMax: b[j].rankMax + a[i].rankMaxPrevious,
                                 weight: b[j].weight, value: b[j].value))
                bPreviousRankMin = b[j].rankMinNext
                j += 1
            }
        }
        let bLast = b[b.count - 1].rankMax, aLast = a[a.count - 1].rankMax
        while i < a.count {
            out.append(Entry(rankMin: a[i].rankMin + bPreviousRankMin, rankMax: a[i].rankMax + bLast, weight: a[i].weight, value: a[i].value))
            i += 1
        }
        while j < b.count {
            out.append(Entry(rankMin: b[j].rankMin + aPreviousRankMin, rankMax: b[j].rankMax + aLast, weight: b[j].weight, value: b[j].value))
            j += 1
        }
        // FixError: ranks never fall, and rankMax covers rankMin plus the weight.
        var previousRankMin: Float = 0, previousRankMax: Float = 0
        for index in out.indices {
            if out[index].rankMin < previousRankMin {
                out[index].rankMin = previousRankMin
            } else {
                previousRankMin = out[index].rankMin
            }
            if out[index].rankMax < previousRankMax { out[index].rankMax = previousRankMax }
            let next = out[index].rankMinNext
            if out[index].rankMax < next { out[index].rankMax = next }
            previousRankMax = out[index].rankMax
        }
        return out
    }
}
