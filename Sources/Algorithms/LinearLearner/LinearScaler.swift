import WeirAlgorithm

/// `normalize_data` and `normalize_label`: each feature's shift (its mean, when centring)
/// and inverse scale (1 / standard deviation), and the regressor label's mean and standard
/// deviation, estimated from the first `num_point_for_scaler` training records. A feature
/// or label that does not vary there keeps scale 1.
struct LinearScaler: Sendable, Equatable {
    var shift: [Float]
    var inverseScale: [Float]
    var labelShift: Double = 0
    var labelScale: Double = 1

    static func identity(features: Int) -> LinearScaler {
        LinearScaler(shift: [Float](repeating: 0, count: features), inverseScale: [Float](repeating: 1, count: features))
    }

    /// Fitted on a sample: features centred when `centre`, scaled when `scale`; labels
    /// centred and scaled when `normaliseLabel`.
    static func fit(sample: FeatureBatch<Float>, labels: [Float], centre: Bool, scale: Bool, normaliseLabel: Bool) -> LinearScaler {
        let d = sample.dimension
        var scaler = identity(features: d)
        let n = Double(max(sample.count, 1))
        if centre || scale {
            var sums = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
            for row in 0..<sample.count {
                sample.forEachEntry(ofRow: row) { column, value in
                    sums[column] += Double(value)
                    squares[column] += Double(value) * Double(value)
                }
            }
            for column in 0..<d {
                let mean = sums[column] / n
                let deviation = max(squares[column] / n - mean * mean, 0).squareRoot()
                if centre { scaler.shift[column] = Float(mean) }
                if scale && deviation > 1e-12 * max(1, abs(mean)) && deviation.isFinite { scaler.inverseScale[column] = Float(1 / deviation) }
            }
        }
        if normaliseLabel && !labels.isEmpty {
            let mean = labels.reduce(0.0) { $0 + Double($1) } / Double(labels.count)
            let variance = labels.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(labels.count)
            scaler.labelShift = mean
            let deviation = variance.squareRoot()
            scaler.labelScale = deviation > 1e-12 * max(1, abs(mean)) && deviation.isFinite ? deviation : 1
        }
        return scaler
    }

    /// A label on the training scale.
    @inline(__always)
    func scaledLabel(_ label: Float) -> Float { Float((Double(label) - labelShift) / labelScale) }
}
