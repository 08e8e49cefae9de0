import Foundation
import WeirMath

/// The final step of K-Means: weighted Lloyd iterations that reduce the mini-batch stage's
/// many centres (each weighted by the points it absorbed) to `k`. Each trial starts from
/// random points or weighted k-means++ (greedy, 2 + ln k candidates per centre, as
/// scikit-learn does) and runs until its loss falls by less than `tolerance` of itself;
/// the trial of lowest weighted loss wins.
struct LocalLloyd {
    let points: [Double]
    let weights: [Double]
    let dimension: Int

    var pointCount: Int { weights.count }

    struct Result {
        var centres: [Double]
        var loss: Double
        var iterations: Int
    }

    func best(k: Int, trials: Int, initialisation: KMeansHyperparameters.InitMethod, maxIterations: Int,
              tolerance: Double, random: inout RandomSource) -> Result {
        var winner: Result?
        for _ in 0..<trials {
            let start = initialisation == .random ? randomCentres(k, &random) : plusPlus(k, &random)
            let result = iterate(start, k: k, maxIterations: maxIterations, tolerance: tolerance)
            if winner == nil || result.loss < winner!.loss { winner = result }
        }
        return winner!
    }

    /// k distinct points drawn with probability proportional to weight.
    func randomCentres(_ k: Int, _ random: inout RandomSource) -> [Double] {
        var remaining = weights
        var centres: [Double] = []
        centres.reserveCapacity(k * dimension)
        for _ in 0..<k {
            let chosen = random.categorical(remaining)
            remaining[chosen] = 0
            centres.append(contentsOf: points[(chosen * dimension)..<((chosen + 1) * dimension)])
        }
        return centres
    }

    func plusPlus(_ k: Int, _ random: inout RandomSource, greedy: Bool = true) -> [Double] {
        let candidates = greedy ? 2 + Int(log(Double(k))) : 1
        var centres: [Double] = []
        centres.reserveCapacity(k * dimension)
        let first = random.categorical(weights)
        centres.append(contentsOf: points[(first * dimension)..<((first + 1) * dimension)])
        var nearest = (0..<pointCount).map { squaredDistance(point: $0, to: centres, centre: 0) }
        for _ in 1..<k {
            let potentials = zip(weights, nearest).map { $0 * $1 }
            let total = potentials.reduce(0, +)
            guard total > 0 else {
                // Every point sits on a centre already: repeat one (an empty cluster).
                centres.append(contentsOf: centres[0..<dimension])
                continue
            }
            var bestCandidate = 0
            var bestPotential = Double.infinity
            var bestNearest = nearest
            for _ in 0..<candidates {
                let candidate = random.categorical(potentials)
                var updated = nearest
                var potential: Double = 0
                for point in 0..<pointCount {
                    updated[point] = min(nearest[point], squaredDistance(point: point, toPoint: candidate))
                    potential += weights[point] * updated[point]
                }
                if potential < bestPotential {
                    bestPotential = potential
                    bestCandidate = candidate
                    bestNearest = updated
                }
            }
            centres.append(contentsOf: points[(bestCandidate * dimension)..<((bestCandidate + 1) * dimension)])
            nearest = bestNearest
        }
        return centres
    }

    func iterate(_ start: [Double], k: Int, maxIterations: Int, tolerance: Double) -> Result {
        var centres = start
        var previous = Double.infinity
        var loss = Double.infinity
        var iterations = 0
        var products = [Double](repeating: 0, count: pointCount * k)
        var assignment = [Int](repeating: 0, count: pointCount)
        var distance = [Double](repeating: 0, count: pointCount)
        let pointNorms = (0..<pointCount).map { point in (0..<dimension).reduce(0.0) { $0 + points[point * dimension + $1] * points[point * dimension + $1] } }
        while iterations < maxIterations {
            iterations += 1
            // Assign: |p|^2 - 2 p.c + |c|^2 through one product.
            let centreNorms = (0..<k).map { centre in (0..<dimension).reduce(0.0) { $0 + centres[centre * dimension + $1] * centres[centre * dimension + $1] } }
            points.withUnsafeBufferPointer { p in
                centres.withUnsafeBufferPointer { c in
                    products.withUnsafeMutableBufferPointer { out in
                        Double.gemm(transposeA: false, transposeB: true, m: pointCount, n: k, k: dimension, alpha: 1,
                                    a: p.baseAddress!, lda: dimension, b: c.baseAddress!, ldb: dimension, beta: 0, c: out.baseAddress!, ldc: k)
                    }
                }
            }
            loss = 0
            for point in 0..<pointCount {
                var best = 0
                var bestValue = Double.infinity
                for centre in 0..<k {
                    let value = centreNorms[centre] - 2 * products[point * k + centre]
                    if value < bestValue {
                        bestValue = value
                        best = centre
                    }
                }
                assignment[point] = best
                distance[point] = max(0, pointNorms[point] + bestValue)
                loss += weights[point] * distance[point]
            }
            if previous.isFinite && previous - loss <= tolerance * previous { break }
            previous = loss
            // Update: weighted means; an empty cluster takes the point that costs most.
            var sums = [Double](repeating: 0, count: k * dimension)
            var mass = [Double](repeating: 0, count: k)
            for point in 0..<pointCount where weights[point] > 0 {
                let centre = assignment[point]
                mass[centre] += weights[point]
                for column in 0..<dimension { sums[centre * dimension + column] += weights[point] * points[point * dimension + column] }
            }
            var cost = zip(weights, distance).map { $0 * $1 }
            for centre in 0..<k {
                if mass[centre] > 0 {
                    for column in 0..<dimension { centres[centre * dimension + column] = sums[centre * dimension + column] / mass[centre] }
                } else if let farthest = cost.indices.max(by: { cost[$0] < cost[$1] }), cost[farthest] > 0 {
                    for column in 0..<dimension { centres[centre * dimension + column] = points[farthest * dimension + column] }
                    cost[farthest] = 0
                }
            }
        }
        return Result(centres: centres, loss: loss, iterations: iterations)
    }

    func squaredDistance(point: Int, to centres: [Double], centre: Int) -> Double {
        var sum: Double = 0
        for column in 0..<dimension {
            let difference = points[point * dimension + column] - centres[centre * dimension + column]
            sum += difference * difference
        }
        return sum
    }

    func squaredDistance(point: Int, toPoint other: Int) -> Double {
        var sum: Double = 0
        for column in 0..<dimension {
            let difference = points[point * dimension + column] - points[other * dimension + column]
            sum += difference * difference
        }
        return sum
    }
}
