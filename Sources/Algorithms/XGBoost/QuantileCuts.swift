import Foundation

/// Each feature's histogram bins as xgboost's `HistogramCuts`: the bins' upper bounds,
/// all features in one array (`featureStarts[f]..<featureStarts[f+1]` are feature `f`'s,
/// which are also its global bin indices). A value falls in the first bin whose bound is
/// above it; the last bin takes everything above. Bounds come from xgboost 3.2's weighted
/// quantile sketch of each feature's values (`WeightedQuantileSketch`), so they are
/// xgboost's own at any data size.
struct QuantileCuts: Sendable {
    var featureStarts: [Int]
    var bounds: [Float]

    var featureCount: Int { featureStarts.count - 1 }
    var totalBins: Int { bounds.count }

    /// The global bin of `value` for `feature`.
    @inline(__always)
    func bin(feature: Int, value: Float) -> Int {
        bounds.withUnsafeBufferPointer { bounds in
            Self.bin(bounds, start: featureStarts[feature], end: featureStarts[feature + 1], value: value)
        }
    }

    /// The first bin of `start..<end` whose bound is above `value` (the last one if none),
    /// by a branch-free binary search.
    @inline(__always)
    static func bin(_ bounds: UnsafeBufferPointer<Float>, start: Int, end: Int, value: Float) -> Int {
        var low = start, count = end - start
        while count > 1 {
            let half = count >> 1
            low = bounds[low &+ half &- 1] <= value ? low &+ half : low
            count &-= half
        }
        // `low` is the last candidate: step past it when its bound is not above the value.
        let found = count == 1 && bounds[low] <= value ? low &+ 1 : low
        return found >= end ? end - 1 : found
    }

    /// Cuts for `data`'s features with at most `maxBin` bins each.
    static func build(_ data: BoostingData, maxBin: Int, threads: Int) -> QuantileCuts {
        let features = data.featureCount
        // Columns of values (and weights) gathered from the rows.
        var counts = [Int](repeating: 0, count: features + 1)
        if data.dense {
            for f in 0..<features { counts[f + 1] = data.rows }
        } else {
            for entry in 0..<data.values.count { counts[data.column(entry) + 1] += 1 }
        }
        for f in 0..<features { counts[f + 1] += counts[f] }
        var fill = counts
        var columnValues = [Float](repeating: 0, count: data.values.count)
        var columnWeights = data.weights == nil ? [] : [Float](repeating: 0, count: data.values.count)
        for row in 0..<data.rows {
            for entry in data.rowStarts[row]..<data.rowStarts[row + 1] {
                let f = data.dense ? entry - data.rowStarts[row] : data.column(entry)
                columnValues[fill[f]] = data.values[entry]
                if let weights = data.weights { columnWeights[fill[f]] = weights[row] }
                fill[f] += 1
            }
        }
        let perFeature = WorkerSlots<[Float]>(count: features)
        let starts = counts
        let values = columnValues, weights = columnWeights
        Parallel.forEach(features, threads: threads) { f in
            perFeature[f] = Self.cutValues(values: values[starts[f]..<starts[f + 1]],
                                           weights: weights.isEmpty ? nil : weights[starts[f]..<starts[f + 1]], maxBin: maxBin)
        }
        var featureStarts = [0]
        var bounds: [Float] = []
        for f in 0..<features {
            bounds += perFeature[f] ?? [1e-5]
            featureStarts.append(bounds.count)
        }
        return QuantileCuts(featureStarts: featureStarts, bounds: bounds)
    }

    /// A feature's bin bounds from its values in record order, as xgboost 3.2's hist
    /// method makes them: its weighted quantile sketch (eps = 1 / (8 * bins)), the summary
    /// pruned to `8 * maxBin` entries and then to `maxBin + 1` (`SetPrune`), every entry
    /// after the minimum up to `maxBin` that increases, and a last bound above the largest.
    static func cutValues(values: ArraySlice<Float>, weights: ArraySlice<Float>?, maxBin: Int) -> [Float] {
        let count = values.count
        var sketch = WeightedQuantileSketch(count: count, maxBin: maxBin, weighted: weights != nil)
        if let weights {
            for (value, weight) in zip(values, weights) { sketch.push(value, weight: weight) }
        } else {
            for value in values { sketch.push(value) }
        }
        let intermediate = min(count, maxBin * 8)
        let reduced = WeightedQuantileSketch.prune(sketch.finish(), to: intermediate)
        guard !reduced.isEmpty else { return [aboveAll(1e-5)] }
        let bins = min(intermediate, maxBin)
        let pruned = WeightedQuantileSketch.prune(reduced, to: bins + 1)
        var cuts: [Float] = []
        for index in 1..<max(1, min(pruned.count, bins)) {
            let cut = pruned[index].value
            if index == 1 || cut > cuts[cuts.count - 1] { cuts.append(cut) }
        }
        let top = pruned[pruned.count - 1].value
        cuts.append(aboveAll(top))
        return cuts
    }

    /// The last bound, above every value up to `top`: xgboost's `cpt + (fabs(cpt) + 1e-5f)`,
    /// whose C `fabs` makes it a Double sum rounded once to Float.
    static func aboveAll(_ top: Float) -> Float {
        Float(Double(top) + (Double(abs(top)) + Double(Float(1e-5))))
    }
}

/// Runs work over indices on several threads (Dispatch's worker threads, never Swift's
/// cooperative pool).
enum Parallel {
    /// Calls `body` for every index of `0..<count`, spread over `threads` workers.
    static func forEach(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for index in 0..<count { body(index) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) { body(index) }
        }
    }

    /// Splits `0..<count` into `parts` contiguous ranges and runs `body(part, range)` on each.
    static func forRanges(_ count: Int, parts: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        let parts = max(1, min(parts, count))
        if parts == 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(part, (count * part / parts)..<(count * (part + 1) / parts))
        }
    }
}

/// One result slot per parallel worker or task: each slot is written by one worker only,
/// and read after the workers have joined.
final class WorkerSlots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Value?>
    let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: max(count, 1))
    }

    deinit {
        storage.deinitialize(count: max(count, 1))
        storage.deallocate()
    }

    subscript(index: Int) -> Value? {
        get { storage[index] }
        set { storage[index] = newValue }
    }
}

/// A buffer parallel workers write at disjoint positions (each position by one worker),
/// read after they have joined.
struct SharedBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>

    init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.buffer = buffer
    }
}
