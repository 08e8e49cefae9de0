import WeirCore

/// How input values become the values a thresholded forest sees.
public enum TransformMethod: String, Sendable, CaseIterable {
    /// Values as given.
    case none
    /// (value − discounted mean) / discounted deviation, per dimension.
    case normalize
    /// The change since the previous input.
    case difference
    /// The value minus its discounted moving average.
    case subtractMovingAverage = "subtract_ma"
}

/// Per-dimension running statistics of a stream's inputs and the transform built on them.
/// Each input is transformed with the statistics of the inputs before it, so an anomaly
/// does not normalise itself away; `update` then adds it. The transform is affine per
/// dimension (value = base × scale + offset), which is how expected values in base space
/// are turned back into input units.
public struct InputTransformer: Sendable, Equatable {
    public let method: TransformMethod
    public let dimensions: Int
    /// Discount per input of the mean, deviation, moving average and typical change.
    public let decay: Double
    private var weight = 0.0
    private var changeWeight = 0.0
    private var mean: [Double]
    private var squares: [Double]
    private var previous: [Double]
    private var beforePrevious: [Double]
    /// Per dimension, the standard deviation of the stream's noise in input units, from
    /// the discounted mean of |second differences| (white noise of deviation σ gives
    /// E|x(t) − 2x(t−1) + x(t−2)| = σ·√6·√(2/π)); trends and smooth seasonality barely
    /// move it, unlike the series' own spread.
    public private(set) var noiseDeviation: [Double]
    public private(set) var seen: Int64 = 0

    /// √6 · √(2/π): E|second difference| of unit white noise.
    static let secondDifferenceFactor = (6.0).squareRoot() * (2.0 / Double.pi).squareRoot()

    public init(method: TransformMethod, dimensions: Int, decay: Double) {
        self.method = method
        self.dimensions = dimensions
        self.decay = decay
        mean = Array(repeating: 0, count: dimensions)
        squares = mean
        previous = mean
        beforePrevious = mean
        noiseDeviation = mean
    }

    /// The last input seen (zeros before the first).
    public var previousValues: [Double] { previous }

    /// The offset and scale of the affine transform the next input gets, per dimension.
    public func affine() -> (offset: [Double], scale: [Double]) {
        let ones = [Double](repeating: 1, count: dimensions), zeros = [Double](repeating: 0, count: dimensions)
        guard seen > 0 else { return (zeros, ones) }
        switch method {
        case .none: return (zeros, ones)
        case .difference: return (previous, ones)
        case .subtractMovingAverage: return (mean, ones)
        case .normalize:
            let scale = (0..<dimensions).map { d -> Double in
                let deviation = max(squares[d] / weight, 0).squareRoot()
                // A constant stream keeps unit scale rather than dividing by zero.
                return deviation > 1e-12 ? deviation : 1
            }
            return (mean, scale)
        }
    }

    /// `values` in the forest's space, with the affine transform used.
    public func forward(_ values: [Double]) -> (base: [Float], offset: [Double], scale: [Double]) {
        let (offset, scale) = affine()
        let base = (0..<dimensions).map { Float((values[$0] - offset[$0]) / scale[$0]) }
        return (base, offset, scale)
    }

    /// Adds an input (no missing values) to the statistics.
    public mutating func update(_ values: [Double]) {
        let keep = 1 - decay
        weight = keep * weight + 1
        // A weighted mean (not a plain EMA), so early estimates are averages, not biased to 0.
        if seen > 1 { changeWeight = keep * changeWeight + 1 }
        for d in 0..<dimensions {
            if seen > 1 {
                let noise = abs(values[d] - 2 * previous[d] + beforePrevious[d]) / Self.secondDifferenceFactor
                noiseDeviation[d] += (noise - noiseDeviation[d]) / changeWeight
            }
            beforePrevious[d] = previous[d]
            let before = mean[d]
            mean[d] += (values[d] - before) / weight
            squares[d] = keep * squares[d] + (values[d] - before) * (values[d] - mean[d])
            previous[d] = values[d]
        }
        seen += 1
    }

    func encode(into writer: inout BinaryWriter) {
        writer.write(string: method.rawValue)
        writer.write(UInt32(dimensions))
        writer.write(doubles: [decay, weight, changeWeight])
        writer.write(doubles: mean)
        writer.write(doubles: squares)
        writer.write(doubles: previous)
        writer.write(doubles: beforePrevious)
        writer.write(doubles: noiseDeviation)
        writer.write(seen)
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        let name = try reader.readString()
        guard let method = TransformMethod(rawValue: name) else { throw reader.error("unknown transform \(name)") }
        self.method = method
        dimensions = Int(try reader.read(UInt32.self))
        let scalars = try reader.readDoubles()
        guard scalars.count == 3 else { throw reader.error("transform state holds \(scalars.count) scalars, expected 3") }
        decay = scalars[0]
        weight = scalars[1]
        changeWeight = scalars[2]
        mean = try reader.readDoubles()
        squares = try reader.readDoubles()
        previous = try reader.readDoubles()
        beforePrevious = try reader.readDoubles()
        noiseDeviation = try reader.readDoubles()
        seen = try reader.read()
        guard [mean, squares, previous, beforePrevious, noiseDeviation].allSatisfy({ $0.count == dimensions }) else {
            throw reader.error("transform state does not match its \(dimensions) dimensions")
        }
    }
}
