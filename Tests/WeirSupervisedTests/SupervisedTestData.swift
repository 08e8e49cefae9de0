import Foundation
import WeirAlgorithm
import WeirFormats
import WeirMath

/// Labelled data sets for the supervised tests, written to scratch folders, with exact
/// reference solutions (Newton's method for logistic regression, normal equations for
/// least squares) computed here in Double.
enum SupervisedTestData {
    static func folder(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-supervised-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes each named set of rows `[label, x...]` as CSV and returns a context over them
    /// that prints metric lines into `lines`.
    static func context(_ sets: [String: [[Double]]], label: String, lines: LineBox = LineBox()) throws -> TrainingContext {
        let folder = try folder(label)
        var channels: [String: TrainingChannel] = [:]
        for (name, rows) in sets {
            let path = try FixtureFiles.write(FixtureFiles.csvLines(rows), to: folder, name: "\(name).csv")
            channels[name] = TrainingChannel(config: ChannelConfig(name: name, contentType: "text/csv"), path: path)
        }
        return TrainingContext(channels: channels, metrics: MetricsReporter { lines.lines.append($0) })
    }

    /// Features with unequal scales and offsets: x_j = N(0, 1) * 3^(j mod 4) + 2j.
    static func features(_ count: Int, dimension: Int, random: inout RandomSource) -> [[Double]] {
        (0..<count).map { _ in (0..<dimension).map { j in random.normal(mean: 0, standardDeviation: 1) * pow(3, Double(j % 4)) + 2 * Double(j) } }
    }

    /// The standardised features the true models are defined on.
    static func standard(_ x: [Double]) -> [Double] {
        x.enumerated().map { j, value in (value - 2 * Double(j)) / pow(3, Double(j % 4)) }
    }

    /// Binary rows: P(1) = sigmoid(w . standard(x) + b).
    static func binary(_ count: Int, weights: [Double], bias: Double, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return features(count, dimension: weights.count, random: &random).map { x in
            let logit = zip(weights, standard(x)).reduce(bias) { $0 + $1.0 * $1.1 }
            return [random.uniform() < 1 / (1 + exp(-logit)) ? 1 : 0] + x
        }
    }

    /// Regression rows: y = w . standard(x) + b + noise (Gaussian, or with `outliers` of
    /// the rows shifted by +-50).
    static func regression(_ count: Int, weights: [Double], bias: Double, noise: Double, outliers: Double = 0, seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return features(count, dimension: weights.count, random: &random).map { x in
            var y = zip(weights, standard(x)).reduce(bias) { $0 + $1.0 * $1.1 } + random.normal(mean: 0, standardDeviation: noise)
            if random.uniform() < outliers { y += random.uniform() < 0.5 ? 50 : -50 }
            return [y] + x
        }
    }

    /// Multiclass rows: P(c) = softmax_c(W_c . standard(x)).
    static func multiclass(_ count: Int, weights: [[Double]], seed: UInt64) -> [[Double]] {
        var random = RandomSource(seed: seed)
        return features(count, dimension: weights[0].count, random: &random).map { x in
            let s = standard(x)
            let logits = weights.map { w in zip(w, s).reduce(0) { $0 + $1.0 * $1.1 } }
            return [Double(random.categorical(logits.map { exp($0) }))] + x
        }
    }

    /// Solves A x = b (n x n, row-major) by Gaussian elimination with partial pivoting.
    static func solve(_ a: [Double], _ b: [Double]) -> [Double] {
        let n = b.count
        var a = a, b = b
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0 * n + column]) < abs(a[$1 * n + column]) }!
            if pivot != column {
                for k in 0..<n { a.swapAt(column * n + k, pivot * n + k) }
                b.swapAt(column, pivot)
            }
            for row in (column + 1)..<n {
                let factor = a[row * n + column] / a[column * n + column]
                for k in column..<n { a[row * n + k] -= factor * a[column * n + k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var total = b[row]
            for k in (row + 1)..<n { total -= a[row * n + k] * x[k] }
            x[row] = total / a[row * n + row]
        }
        return x
    }

    /// Least squares with an intercept: returns [bias, w...].
    static func leastSquares(_ rows: [[Double]]) -> [Double] {
        let n = rows[0].count
        var a = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        for row in rows {
            let z = [1] + row.dropFirst()
            for i in 0..<n {
                b[i] += z[i] * row[0]
                for j in 0..<n { a[i * n + j] += z[i] * z[j] }
            }
        }
        return solve(a, b)
    }

    /// Logistic regression with an intercept by Newton's method (L2 of `lambda` on the
    /// weights, none on the bias): returns [bias, w...].
    static func logistic(_ rows: [[Double]], lambda: Double = 1e-6) -> [Double] {
        let n = rows[0].count
        var beta = [Double](repeating: 0, count: n)
        for _ in 0..<30 {
            var hessian = [Double](repeating: 0, count: n * n), gradient = [Double](repeating: 0, count: n)
            for row in rows {
                let z = [1] + row.dropFirst()
                let p = 1 / (1 + exp(-zip(beta, z).reduce(0) { $0 + $1.0 * $1.1 }))
                for i in 0..<n {
                    gradient[i] += (p - row[0]) * z[i]
                    for j in 0..<n { hessian[i * n + j] += p * (1 - p) * z[i] * z[j] }
                }
            }
            for i in 1..<n {
                gradient[i] += lambda * Double(rows.count) * beta[i]
                hessian[i * n + i] += lambda * Double(rows.count)
            }
            let step = solve(hessian, gradient)
            beta = zip(beta, step).map { $0 - $1 }
            if step.map(abs).max()! < 1e-10 { break }
        }
        return beta
    }

    static func linear(_ beta: [Double], _ row: [Double]) -> Double {
        zip(beta.dropFirst(), row.dropFirst()).reduce(beta[0]) { $0 + $1.0 * $1.1 }
    }
}

/// Collects printed lines (the metrics reporter's output).
final class LineBox: @unchecked Sendable {
    var lines: [String] = []
}
