import WeirMath

/// Maps feature vectors to fewer dimensions while keeping distances about the same
/// (Johnson-Lindenstrauss), regenerated from its seed so a model stores only that. `sign`
/// multiplies by a random +-1 matrix; `fjlt` flips signs at random, applies a Hadamard
/// transform (zero-padded to a power of two) and keeps `target` random coordinates, in
/// O(d log d) per vector. Both scale by 1 / sqrt(target).
struct DimensionReducer: Sendable, Equatable {
    let kind: KNNHyperparameters.Reduction
    let input: Int
    let target: Int
    let seed: UInt64
    private let matrix: [Float]
    private let signs: [Float]
    private let kept: [Int]
    private let padded: Int

    /// The largest random matrix a `sign` reduction builds (400 MB of Float).
    static let maximumMatrixValues = 100_000_000

    /// Whether a reduction of this shape stays within the bound (callers check before building).
    static func fits(kind: KNNHyperparameters.Reduction, input: Int, target: Int) -> Bool {
        guard kind == .sign else { return true }
        let (values, overflow) = input.multipliedReportingOverflow(by: target)
        return !overflow && values <= maximumMatrixValues
    }

    init(kind: KNNHyperparameters.Reduction, input: Int, target: Int, seed: UInt64) {
        self.kind = kind
        self.input = input
        self.target = kind == .none ? input : target
        self.seed = seed
        var random = RandomSource(seed: seed ^ 0x6B6E_6E72_6564_7563)
        var padded = 1
        while padded < input { padded <<= 1 }
        self.padded = padded
        switch kind {
        case .none:
            matrix = []; signs = []; kept = []
        case .sign:
            let scale = 1 / Float(target).squareRoot()
            matrix = (0..<(target * input)).map { _ in random.next() & 1 == 0 ? scale : -scale }
            signs = []; kept = []
        case .fjlt:
            matrix = []
            signs = (0..<input).map { _ in random.next() & 1 == 0 ? 1 : -1 }
            kept = Array(random.permutation(padded).prefix(target))
        }
    }

    /// The reduced vector (the vector itself without a reduction).
    func reduce(_ x: [Float]) -> [Float] {
        switch kind {
        case .none:
            return x
        case .sign:
            var out = [Float](repeating: 0, count: target)
            for row in 0..<target {
                var sum: Float = 0
                let base = row * input
                for column in 0..<input { sum += matrix[base + column] * x[column] }
                out[row] = sum
            }
            return out
        case .fjlt:
            var work = [Float](repeating: 0, count: padded)
            for index in 0..<input { work[index] = signs[index] * x[index] }
            // In-place fast Walsh-Hadamard transform.
            var half = 1
            while half < padded {
                var start = 0
                while start < padded {
                    for index in start..<(start + half) {
                        let a = work[index], b = work[index + half]
                        work[index] = a + b
                        work[index + half] = a - b
                    }
                    start += 2 * half
                }
                half <<= 1
            }
            let scale = 1 / Float(target).squareRoot()
            return kept.map { work[$0] * scale }
        }
    }
}
