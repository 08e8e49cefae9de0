/// Exact SHAP values of a tree ensemble by the TreeSHAP algorithm (Lundberg, Erion and
/// Lee, 2018), as xgboost's `pred_contribs` and `pred_interactions` compute them: per
/// output, one contribution per feature plus the bias (the expected margin), summing to
/// the record's margin. Node means and covers come from the trees' `sum_hessian`.
public struct TreeSHAP: Sendable {
    let model: XGBoostModel
    /// Per tree: each node's mean leaf value weighted by cover.
    let means: [[Double]]
    /// The deepest tree's depth, for the path buffers.
    let depth: Int

    public init(model: XGBoostModel) {
        self.model = model
        means = model.trees.map(Self.nodeMeans)
        depth = model.trees.map(Self.depth).max() ?? 0
    }

    static func nodeMeans(_ tree: BoostedTree) -> [Double] {
        var means = [Double](repeating: 0, count: tree.nodeCount)
        func fill(_ node: Int) -> Double {
            guard !tree.isLeaf(node) else {
                means[node] = Double(tree.condition[node])
                return means[node]
            }
            let left = Int(tree.left[node]), right = Int(tree.right[node])
            let total = Double(tree.sumHessian[node])
            let value = (fill(left) * Double(tree.sumHessian[left]) + fill(right) * Double(tree.sumHessian[right])) / total
            means[node] = value.isFinite ? value : 0
            return means[node]
        }
        if tree.nodeCount > 0 { _ = fill(0) }
        return means
    }

    static func depth(_ tree: BoostedTree) -> Int {
        func depth(_ node: Int) -> Int {
            tree.isLeaf(node) ? 0 : 1 + max(depth(Int(tree.left[node])), depth(Int(tree.right[node])))
        }
        return tree.nodeCount > 0 ? depth(0) : 0
    }

    /// One step of a decision path: the feature split on, the share of cover that took
    /// this way (`zero`), whether the record took it (`one`), and the permutation weight.
    struct PathElement {
        var feature = -1
        var zero = 0.0
        var one = 0.0
        var weight = 0.0
    }

    /// Contributions, `outputs x (features + 1)` row-major, the bias last in each row. With
    /// `condition` +1 or -1, feature `conditionFeature` is held present or absent (for
    /// interactions).
    public func contributions(_ row: [Float], condition: Int = 0, conditionFeature: Int = 0) -> [Double] {
        let columns = model.featureCount + 1
        var out = [Double](repeating: 0, count: model.outputs * columns)
        var buffer = [PathElement](repeating: PathElement(), count: (depth + 3) * (depth + 4) / 2)
        var contributions = [Double](repeating: 0, count: columns)
        for (index, tree) in model.trees.enumerated() {
            for column in 0..<columns { contributions[column] = 0 }
            let base = model.treeOutputs[index] * columns
            if condition == 0 { contributions[columns - 1] += means[index][0] }
            shap(tree, means[index], row, &contributions, &buffer, node: 0, depth: 0, parentStart: 0, parentZero: 1, parentOne: 1,
                 parentFeature: -1, condition: condition, conditionFeature: conditionFeature, conditionFraction: 1)
            for column in 0..<columns { out[base + column] += contributions[column] }
        }
        // The intercept goes to the bias, conditioned or not, as in xgboost.
        let margins = model.baseMargins
        for output in 0..<model.outputs { out[output * columns + columns - 1] += Double(margins[output]) }
        return out
    }

    /// SHAP interaction values, `outputs x (features + 1) x (features + 1)`: off the
    /// diagonal half the change in one feature's contribution when another is held present
    /// rather than absent; on it, the feature's contribution less its interactions.
    public func interactions(_ row: [Float]) -> [Double] {
        let columns = model.featureCount + 1
        let diagonal = contributions(row)
        var out = [Double](repeating: 0, count: model.outputs * columns * columns)
        for i in 0..<columns {
            let off = contributions(row, condition: -1, conditionFeature: i)
            let on = contributions(row, condition: 1, conditionFeature: i)
            for output in 0..<model.outputs {
                let o = output * columns * columns + i * columns, c = output * columns
                out[o + i] = 0
                for k in 0..<columns {
                    if k == i {
                        out[o + i] += diagonal[c + k]
                    } else {
                        out[o + k] = (on[c + k] - off[c + k]) / 2
                        out[o + i] -= out[o + k]
                    }
                }
            }
        }
        return out
    }

    private func shap(_ tree: BoostedTree, _ means: [Double], _ row: [Float], _ phi: inout [Double], _ buffer: inout [PathElement],
                      node: Int, depth uniqueDepth: Int, parentStart: Int, parentZero: Double, parentOne: Double, parentFeature: Int,
                      condition: Int, conditionFeature: Int, conditionFraction: Double) {
        guard conditionFraction != 0 else { return }
        var depth = uniqueDepth
        // This node's path starts after its parent's and copies it (one element beyond the
        // parent's depth too: a conditioned node keeps its parent's last element).
        let start = parentStart + depth + 1
        if buffer.count < start + depth + 2 { buffer += Array(repeating: PathElement(), count: start + depth + 2 - buffer.count) }
        for index in 0...depth { buffer[start + index] = buffer[parentStart + index] }
        if condition == 0 || conditionFeature != parentFeature {
            extend(&buffer, start, depth, zero: parentZero, one: parentOne, feature: parentFeature)
        }
        if tree.isLeaf(node) {
            guard depth >= 1 else { return }
            for index in 1...depth {
                let weight = unwoundSum(buffer, start, depth, index)
                let element = buffer[start + index]
                guard element.feature >= 0, element.feature < phi.count - 1 else { continue }
                phi[element.feature] += weight * (element.one - element.zero) * Double(tree.condition[node]) * conditionFraction
            }
            return
        }
        let feature = Int(tree.feature[node])
        let value = feature < row.count ? row[feature] : .nan
        let goesLeft = value.isNaN ? tree.defaultLeft[node] : value < tree.condition[node]
        let hot = Int(goesLeft ? tree.left[node] : tree.right[node])
        let cold = Int(goesLeft ? tree.right[node] : tree.left[node])
        let cover = Double(tree.sumHessian[node])
        let hotZero = cover > 0 ? Double(tree.sumHessian[hot]) / cover : 0
        let coldZero = cover > 0 ? Double(tree.sumHessian[cold]) / cover : 0
        var incomingZero = 1.0, incomingOne = 1.0
        // A feature split on before is undone here and redone for this node.
        if let previous = (0...depth).first(where: { buffer[start + $0].feature == feature }) {
            incomingZero = buffer[start + previous].zero
            incomingOne = buffer[start + previous].one
            unwind(&buffer, start, depth, previous)
            depth -= 1
        }
        var hotFraction = conditionFraction, coldFraction = conditionFraction
        // The conditioned feature never joins the path: its split only divides the fraction.
        if condition > 0 && feature == conditionFeature {
            coldFraction = 0
            depth -= 1
        } else if condition < 0 && feature == conditionFeature {
            hotFraction *= hotZero
            coldFraction *= coldZero
            depth -= 1
        }
        shap(tree, means, row, &phi, &buffer, node: hot, depth: depth + 1, parentStart: start, parentZero: hotZero * incomingZero,
             parentOne: incomingOne, parentFeature: feature, condition: condition, conditionFeature: conditionFeature, conditionFraction: hotFraction)
        shap(tree, means, row, &phi, &buffer, node: cold, depth: depth + 1, parentStart: start, parentZero: coldZero * incomingZero,
             parentOne: 0, parentFeature: feature, condition: condition, conditionFeature: conditionFeature, conditionFraction: coldFraction)
    }

    private func extend(_ path: inout [PathElement], _ start: Int, _ depth: Int, zero: Double, one: Double, feature: Int) {
        path[start + depth] = PathElement(feature: feature, zero: zero, one: one, weight: depth == 0 ? 1 : 0)
        let scale = Double(depth + 1)
        var index = depth - 1
        while index >= 0 {
            path[start + index + 1].weight += one * path[start + index].weight * Double(index + 1) / scale
            path[start + index].weight = zero * path[start + index].weight * Double(depth - index) / scale
            index -= 1
        }
    }

    private func unwind(_ path: inout [PathElement], _ start: Int, _ depth: Int, _ pathIndex: Int) {
        let one = path[start + pathIndex].one, zero = path[start + pathIndex].zero
        var next = path[start + depth].weight
        let scale = Double(depth + 1)
        var index = depth - 1
        while index >= 0 {
            if one != 0 {
                let current = path[start + index].weight
                path[start + index].weight = next * scale / (Double(index + 1) * one)
                next = current - path[start + index].weight * zero * Double(depth - index) / scale
            } else {
                path[start + index].weight = path[start + index].weight * scale / (zero * Double(depth - index))
            }
            index -= 1
        }
        for index in pathIndex..<depth {
            path[start + index].feature = path[start + index + 1].feature
            path[start + index].zero = path[start + index + 1].zero
            path[start + index].one = path[start + index + 1].one
        }
    }

    private func unwoundSum(_ path: [PathElement], _ start: Int, _ depth: Int, _ pathIndex: Int) -> Double {
        let one = path[start + pathIndex].one, zero = path[start + pathIndex].zero
        var next = path[start + depth].weight
        var total = 0.0
        let scale = Double(depth + 1)
        var index = depth - 1
        while index >= 0 {
            if one != 0 {
                let value = next * scale / (Double(index + 1) * one)
                total += value
                next = path[start + index].weight - value * zero * (Double(depth - index) / scale)
            } else if zero != 0 {
                total += (path[start + index].weight / zero) / (Double(depth - index) / scale)
            }
            index -= 1
        }
        return total
    }
}
