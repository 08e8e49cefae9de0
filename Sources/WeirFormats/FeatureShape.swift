/// Checks the keys and sizes a file declares for a feature vector before anything is
/// allocated from them: every reader (JSON tensors, RecordIO tensors, libsvm) builds its
/// sparse rows here, so a key near 2^64, a negative or fractional key, or a declared
/// dimension of 9e18 is an error naming the field rather than an overflow or a huge
/// allocation later, when the row is made dense.
public enum FeatureShape {
    /// The largest feature dimension Weir reads: 2^26 = 67,108,864 columns (a dense row of
    /// that size is 512 MiB of doubles). Larger declared dimensions are an error.
    public static let maximumDimension = 1 << 26

    /// A key or size from a JSON number: an exact integer in `0...maximumDimension`, or nil.
    public static func integer(_ value: Double) -> Int? {
        guard let integer = Int(exactly: value), integer >= 0, integer <= maximumDimension else { return nil }
        return integer
    }

    /// A key or size from an unsigned protobuf field, or nil above `maximumDimension`.
    public static func integer(_ value: UInt64) -> Int? {
        value <= UInt64(maximumDimension) ? Int(value) : nil
    }

    /// A sparse vector from keys and values as a file states them, with its declared
    /// dimension or (nil) one more than the largest key. `key(i)` converts the i-th key
    /// (nil when it is not an integer in range); `fail(field, message)` names the input.
    public static func sparse<Key>(keys: [Key], values: [Double], declaredDimension: Key?, field: String,
                                   index: (Key) -> Int?, fail: (String?, String) -> FormatError) throws(FormatError) -> FeatureVector {
        guard keys.count == values.count else { throw fail(field, "\(keys.count) keys for \(values.count) values") }
        var dimension: Int?
        if let declaredDimension {
            guard let size = index(declaredDimension), size > 0 else {
                throw fail("\(field).shape", "expected a dimension from 1 to \(maximumDimension), found \(declaredDimension)")
            }
            dimension = size
        }
        var indices: [Int] = []
        indices.reserveCapacity(keys.count)
        for (position, key) in keys.enumerated() {
            guard let value = index(key), value < (dimension ?? maximumDimension) else {
                throw fail("\(field).keys[\(position)]", "key \(key) is not an integer in 0..<\(dimension ?? maximumDimension)")
            }
            if let previous = indices.last, value <= previous {
                throw fail("\(field).keys[\(position)]", "key \(value) is not above the previous key \(previous) (keys must increase)")
            }
            indices.append(value)
        }
        return .sparse(indices: indices, values: values, dimension: dimension ?? ((indices.last ?? -1) + 1))
    }

    /// A dimension from a CLI option or a setting: nil when outside `1...maximumDimension`.
    public static func dimension(_ value: Int) -> Int? {
        value >= 1 && value <= maximumDimension ? value : nil
    }
}
