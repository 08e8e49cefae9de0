import Foundation

/// The trees packed for prediction: every node of every tree in one array of 16-byte
/// records (children, feature, default direction, threshold or leaf value), walked over
/// blocks of records so that a block's rows and the trees' top nodes stay in cache.
public struct CompiledEnsemble: Sendable {
    /// An internal node, or a leaf that leads to itself (threshold +inf, missing left), so
    /// that every record takes exactly the tree's depth in steps, without branches.
    struct Node {
        /// Left child's index in `nodes` (the right child is the next one).
        var left: Int32
        var feature: Int32
        var threshold: Float
        var defaultLeft: Bool
    }

    let nodes: [Node]
    /// Leaf values by node index (0 for internal nodes).
    let values: [Float]
    /// Where each tree's root is in `nodes`, and its depth.
    let roots: [Int]
    let depths: [Int]
    let outputs: [Int]
    let outputCount: Int
    let featureCount: Int
    let baseMargins: [Float]

    public init(_ model: XGBoostModel) {
        var nodes: [Node] = []
        var values: [Float] = []
        var roots: [Int] = []
        var depths: [Int] = []
        for tree in model.trees {
            roots.append(nodes.count)
            // Breadth-first, children side by side.
            var queue = [(node: 0, at: nodes.count, depth: 0)]
            nodes.append(Node(left: 0, feature: 0, threshold: 0, defaultLeft: true))
            values.append(0)
            var deepest = 0
            var head = 0
            while head < queue.count {
                let (node, at, depth) = queue[head]
                head += 1
                deepest = max(deepest, depth)
                if tree.isLeaf(node) {
                    nodes[at] = Node(left: Int32(at), feature: 0, threshold: .infinity, defaultLeft: true)
                    values[at] = tree.condition[node]
                    continue
                }
                let left = nodes.count
                nodes[at] = Node(left: Int32(left), feature: tree.feature[node], threshold: tree.condition[node],
                                 defaultLeft: tree.defaultLeft[node])
                nodes += [Node(left: 0, feature: 0, threshold: 0, defaultLeft: true), Node(left: 0, feature: 0, threshold: 0, defaultLeft: true)]
                values += [0, 0]
                queue.append((Int(tree.left[node]), left, depth + 1))
                queue.append((Int(tree.right[node]), left + 1, depth + 1))
            }
            depths.append(deepest)
        }
        self.nodes = nodes
        self.values = values
        self.roots = roots
        self.depths = depths
        outputs = model.treeOutputs
        outputCount = model.outputs
        featureCount = model.featureCount
        baseMargins = model.baseMargins
    }

    /// Margins of `count` dense records (row-major, `featureCount` values each, NaN for
    /// missing) into `out` (`outputCount` per record), trees added in order. Eight records
    /// walk each tree in step, so their node loads overlap.
    func margins(_ rows: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        let width = featureCount, k = outputCount
        for row in 0..<count { for output in 0..<k { out[row &* k &+ output] = baseMargins[output] } }
        nodes.withUnsafeBufferPointer { nodeBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                guard let base = nodeBuffer.baseAddress, let leafValues = valueBuffer.baseAddress else { return }
                let block = 64, lanes = 8
                var first = 0
                while first < count {
                    let last = min(first + block, count)
                    for (tree, root) in roots.enumerated() {
                        let output = outputs[tree], depth = depths[tree]
                        var row = first
                        while row < last {
                            let width8 = min(lanes, last - row)
                            var at = (root, root, root, root, root, root, root, root)
                            withUnsafeMutableBytes(of: &at) { raw in
                                guard let start = raw.baseAddress else { return }
                                let index = start.assumingMemoryBound(to: Int.self)
                                for _ in 0..<depth {
                                    for lane in 0..<width8 {
                                        let node = base[index[lane]]
                                        let x = rows[(row &+ lane) &* width &+ Int(node.feature)]
                                        let goLeft = x.isNaN ? node.defaultLeft : x < node.threshold
                                        index[lane] = Int(node.left) &+ (goLeft ? 0 : 1)
                                    }
                                }
                                for lane in 0..<width8 { out[(row &+ lane) &* k &+ output] += leafValues[index[lane]] }
                            }
                            row &+= width8
                        }
                    }
                    first = last
                }
            }
        }
    }
}

extension CompiledEnsemble {
    /// One dense record's margins (NaN for missing; `featureCount` values).
    public func margins(_ row: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: outputCount)
        guard row.count >= featureCount else { return baseMargins }
        row.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                guard let source = input.baseAddress, let target = output.baseAddress else { return }
                margins(source, count: 1, into: target)
            }
        }
        return out
    }
}

extension XGBoostModel {
    /// Margins of `count` dense records (row-major, NaN for missing), `outputs` per record,
    /// blocks of records spread over `threads`.
    public func margins(batch rows: [Float], count: Int, threads: Int = 1) -> [Float] {
        let compiled = CompiledEnsemble(self)
        var out = [Float](repeating: 0, count: count * outputs)
        guard count > 0, rows.count >= count * featureCount else { return out }
        let width = featureCount, k = outputs
        rows.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                let shared = SharedBuffer(output)
                guard let source = input.baseAddress else { return }
                let parts = max(1, min(threads, count / 256))
                let share = SharedReadPointer(source)
                Parallel.forRanges(count, parts: parts) { _, range in
                    guard let target = shared.buffer.baseAddress else { return }
                    compiled.margins(share.pointer + range.lowerBound * width, count: range.count, into: target + range.lowerBound * k)
                }
            }
        }
        return out
    }
}

/// A read-only pointer handed to parallel workers.
struct SharedReadPointer<Element>: @unchecked Sendable {
    let pointer: UnsafePointer<Element>

    init(_ pointer: UnsafePointer<Element>) {
        self.pointer = pointer
    }
}
