/// One regression tree as xgboost stores it: parallel arrays by node id, node 0 the root.
/// An internal node sends a value below its `condition` left, others right, and a missing
/// value its default way; a leaf's `condition` is its value (eta already applied).
public struct BoostedTree: Sendable, Equatable {
    public var left: [Int32] = []
    public var right: [Int32] = []
    public var parent: [Int32] = []
    public var feature: [Int32] = []
    public var condition: [Float] = []
    public var defaultLeft: [Bool] = []
    /// The node's weight before eta (a leaf: its value).
    public var baseWeight: [Float] = []
    public var lossChange: [Float] = []
    public var sumHessian: [Float] = []

    public var nodeCount: Int { left.count }

    public init() {}

    @inline(__always)
    public func isLeaf(_ node: Int) -> Bool { left[node] < 0 }

    /// Adds a leaf and returns its id.
    @discardableResult
    mutating func addNode(parent: Int32, value: Float, hessian: Float) -> Int {
        left.append(-1)
        right.append(-1)
        self.parent.append(parent)
        feature.append(0)
        condition.append(value)
        defaultLeft.append(false)
        baseWeight.append(value)
        lossChange.append(0)
        sumHessian.append(hessian)
        return left.count - 1
    }

    /// The leaf a record reaches; `value(feature)` gives a feature's value, NaN when missing.
    @inline(__always)
    public func leaf(_ value: (Int) -> Float) -> Int {
        var node = 0
        while left[node] >= 0 {
            let x = value(Int(feature[node]))
            if x.isNaN {
                node = Int(defaultLeft[node] ? left[node] : right[node])
            } else {
                node = Int(x < condition[node] ? left[node] : right[node])
            }
        }
        return node
    }

    /// The value a dense record (NaN for missing) reaches.
    @inline(__always)
    public func predict(_ row: UnsafeBufferPointer<Float>) -> Float {
        condition[leaf { $0 < row.count ? row[$0] : .nan }]
    }

    /// The depth of every node (root 0).
    var depths: [Int] {
        var depths = [Int](repeating: 0, count: nodeCount)
        for node in 1..<max(nodeCount, 1) where parent[node] >= 0 { depths[node] = depths[Int(parent[node])] + 1 }
        return depths
    }
}
