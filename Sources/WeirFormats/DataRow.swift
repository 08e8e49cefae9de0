/// One example of a training or inference set, whatever file it came from: a feature
/// vector (dense, or sparse with its dimension) and zero or more label values.
public struct DataRow: Sendable, Equatable {
    public var features: FeatureVector
    /// Empty for unlabelled data (`label_size=0`).
    public var label: [Double]

    public init(features: FeatureVector, label: [Double] = []) {
        self.features = features
        self.label = label
    }
}

/// Feature values, dense or sparse. Sparse indices are 0-based and strictly increasing.
public enum FeatureVector: Sendable, Equatable {
    case dense([Double])
    case sparse(indices: [Int], values: [Double], dimension: Int)

    public var dimension: Int {
        switch self {
        case .dense(let values): return values.count
        case .sparse(_, _, let dimension): return dimension
        }
    }

    /// All values, with zeros where a sparse vector has none.
    public var denseValues: [Double] {
        switch self {
        case .dense(let values): return values
        case .sparse(let indices, let values, let dimension):
            var result = [Double](repeating: 0, count: dimension)
            for (index, value) in zip(indices, values) { result[index] = value }
            return result
        }
    }
}

/// The element type a tensor is written with (SageMaker follows the NumPy dtype).
public enum TensorElementType: String, Sendable, CaseIterable {
    case float32, float64, int32
}
