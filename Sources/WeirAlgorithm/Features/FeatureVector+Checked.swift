import WeirFormats

extension FeatureVector {
    public var isSparse: Bool {
        if case .sparse = self { return true }
        return false
    }

    /// The values, dense, `width` of them: a sparse row narrower than `width` (libsvm's
    /// width is its largest index) is padded with zeros. For rows already checked.
    public func denseValues(width: Int) -> [Double] {
        var values = denseValues
        if values.count < width { values += repeatElement(0, count: width - values.count) }
        return values
    }

    /// The values, dense, when the vector has `dimension` of them and each is finite (and
    /// within Float's range when `asFloat`, for models that compute in Float); otherwise an
    /// error naming the field, for the request that carried it.
    public func checkedValues(dimension: Int, asFloat: Bool = false, input: String = "request") throws(FormatError) -> [Double] {
        var values = denseValues
        // A sparse row's width may be its largest index (libsvm): narrower is padded with zeros.
        if isSparse && self.dimension < dimension { values += repeatElement(0, count: dimension - self.dimension) }
        guard values.count == dimension else {
            throw FormatError(input: input, .none, field: "features", "has \(self.dimension) values; the model takes \(dimension)")
        }
        let limit = asFloat ? Double(Float.greatestFiniteMagnitude) : .greatestFiniteMagnitude
        if let bad = values.firstIndex(where: { !(abs($0) <= limit) }) {
            throw FormatError(input: input, .none, field: "features[\(bad)]",
                              "is \(values[bad]); expected a finite number\(asFloat ? " within Float's range" : "")")
        }
        return values
    }

    /// The vector checked for a model of `width` features, kept as it came: a sparse
    /// vector stays sparse (a request to a model of a million columns costs its non-zeros),
    /// its indices below `width` and values finite; a dense one is `checkedValues`.
    public func checked(width: Int, input: String = "request") throws(FormatError) -> FeatureVector {
        guard case .sparse(let indices, let values, let dimension) = self else {
            return .dense(try checkedValues(dimension: width, input: input))
        }
        guard dimension <= width, indices.allSatisfy({ $0 >= 0 && $0 < width }) else {
            throw FormatError(input: input, .none, field: "features", "has \(dimension) values; the model takes \(width)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(input: input, .none, field: "features[\(indices[bad])]", "is \(values[bad]); expected a finite number")
        }
        return self
    }
}
