import WeirFormats
import WeirMath

/// A uniform sample of the rows of a pass (Vitter's algorithm R), bounded both in rows and
/// in stored values, so that wide sparse data cannot make it large. Algorithms that learn
/// in one pass calibrate their novelty scores on it after training.
public struct RowReservoir: Sendable {
    public let capacity: Int
    public let valueBudget: Int
    public private(set) var rows: [FeatureVector] = []
    public private(set) var seen = 0
    private var random: RandomSource

    public init(capacity: Int = 10_000, valueBudget: Int = 4_000_000, seed: UInt64) {
        self.capacity = max(1, capacity)
        self.valueBudget = max(1, valueBudget)
        random = RandomSource(seed: seed)
    }

    public mutating func offer(_ row: FeatureVector) {
        seen += 1
        let limit = min(capacity, max(1, valueBudget / max(1, Self.storedValues(row))))
        if rows.count < limit {
            rows.append(row)
            return
        }
        let slot = random.uniformInt(below: seen)
        if slot < rows.count { rows[slot] = row }
    }

    static func storedValues(_ row: FeatureVector) -> Int {
        switch row {
        case .dense(let values): return values.count
        case .sparse(let indices, _, _): return indices.count
        }
    }
}
