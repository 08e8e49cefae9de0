import WeirFormats

extension FeatureVector {
    /// The values, dense, when the vector has `dimension` of them and each is finite (and
    /// within Float's range when `asFloat`, for models that compute in Float); otherwise an
    /// error naming the field, for the request that carried it.
    public func checkedValues(dimension: Int, asFloat: Bool = false, input: String = "request") throws(FormatError) -> [Double] {
        guard self.dimension == dimension else {
            throw FormatError(input: input, .none, field: "features", "has \(self.dimension) values; the model takes \(dimension)")
        }
        let values = denseValues
        let limit = asFloat ? Double(Float.greatestFiniteMagnitude) : .greatestFiniteMagnitude
        if let bad = values.firstIndex(where: { !(abs($0) <= limit) }) {
            throw FormatError(input: input, .none, field: "features[\(bad)]",
                              "is \(values[bad]); expected a finite number\(asFloat ? " within Float's range" : "")")
        }
        return values
    }
}
