import Foundation
import Testing
import WeirMath

struct TensorTests {
    /// The plain triple loop the BLAS path must agree with.
    func naiveProduct(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        a.map { row in (0..<b[0].count).map { j in zip(row, b.map { $0[j] }).reduce(0) { $0 + $1.0 * $1.1 } } }
    }

    func randomMatrix(_ rows: Int, _ columns: Int, _ random: inout RandomSource) -> [[Double]] {
        (0..<rows).map { _ in (0..<columns).map { _ in random.normal() } }
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 2), (17, 9, 33), (64, 1, 7), (1, 40, 1)])
    func matmulMatchesTheNaiveProductForEveryLayout(m: Int, k: Int, n: Int) {
        var random = RandomSource(seed: UInt64(m * 1000 + k * 10 + n))
        let a = randomMatrix(m, k, &random), b = randomMatrix(k, n, &random)
        let expected = Tensor<Double>(rows: naiveProduct(a, b))
        let ta = Tensor<Double>(rows: a), tb = Tensor<Double>(rows: b)
        #expect(Tensor.matmul(ta, tb).maxAbsoluteDifference(expected) < 1e-12)
        // Transposed views go to BLAS with the transpose flag instead of a copy.
        let at = Tensor<Double>(rows: (0..<k).map { i in a.map { $0[i] } }).transposed
        let bt = Tensor<Double>(rows: (0..<n).map { j in b.map { $0[j] } }).transposed
        #expect(Tensor.matmul(at, bt).maxAbsoluteDifference(expected) < 1e-12)
        // A column slice of a wider matrix (row stride larger than its width).
        let wide = Tensor<Double>(rows: a.map { $0 + [99, -99] }).sliced(axis: 1, 0..<k)
        #expect(Tensor.matmul(wide, tb).maxAbsoluteDifference(expected) < 1e-12)
        // Float agrees to single precision.
        let single = Tensor.matmul(Tensor<Float>(rows: a.map { $0.map(Float.init) }), Tensor<Float>(rows: b.map { $0.map(Float.init) }))
        #expect(zip(single.scalars, expected.scalars).allSatisfy { abs(Double($0) - $1) < 1e-4 * Double(max(k, 1)) })
    }

    @Test func batchedMatmulBroadcastsASharedMatrix() {
        var random = RandomSource(seed: 7)
        let batches = (0..<4).map { _ in randomMatrix(3, 5, &random) }
        let shared = randomMatrix(5, 2, &random)
        let lhs = Tensor<Double>(shape: [4, 3, 5], scalars: batches.flatMap { $0.flatMap { $0 } })
        let product = Tensor.matmul(lhs, Tensor(rows: shared))
        #expect(product.shape == [4, 3, 2])
        for index in 0..<4 {
            #expect(product[row: index].maxAbsoluteDifference(Tensor(rows: naiveProduct(batches[index], shared))) < 1e-12)
        }
    }

    @Test func broadcastingFollowsNumPyRules() {
        let matrix = Tensor<Double>(rows: [[1, 2, 3], [4, 5, 6]])
        let row = Tensor<Double>([10, 20, 30])
        let column = Tensor<Double>(shape: [2, 1], scalars: [100, 200])
        #expect((matrix + row).scalars == [11, 22, 33, 14, 25, 36])
        #expect((matrix * column).scalars == [100, 200, 300, 800, 1000, 1200])
        #expect((column + row).shape == [2, 3])
        #expect((column + row).scalars == [110, 120, 130, 210, 220, 230])
        #expect(Tensor<Double>.broadcastShape([5, 1, 4], [3, 1]) == [5, 3, 4])
        #expect((matrix - Tensor(1)).scalars == [0, 1, 2, 3, 4, 5])
    }

    @Test func viewsShareStorageAndCopyOnlyOnWrite() {
        var base = Tensor<Double>(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        let view = base.permuted([2, 0, 1])
        #expect(view.shape == [4, 2, 3])
        #expect(view[3, 1, 2] == base[1, 2, 3])
        #expect(!view.isContiguous)
        #expect(view.reshaped([4, 6]).scalars == view.scalars)
        let slice = base.sliced(axis: 1, 1..<3)
        #expect(slice.scalars == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        base[0, 1, 0] = -1
        #expect(slice[0, 0, 0] == 4, "a view keeps the values it was made from")
        #expect(base[0, 1, 0] == -1)
        #expect(base.reshaped([6, -1]).shape == [6, 4])
        #expect(Tensor.concatenate([Tensor<Double>(rows: [[1, 2]]), Tensor(rows: [[3, 4], [5, 6]])], axis: 0).scalars == [1, 2, 3, 4, 5, 6])
        #expect(Tensor.concatenate([Tensor<Double>(rows: [[1], [2]]), Tensor(rows: [[3, 4], [5, 6]])], axis: 1).scalars == [1, 3, 4, 2, 5, 6])
    }

    @Test func reductionsAndSoftmax() {
        let t = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.sum() == 21)
        #expect(t.sum(axis: 0).scalars == [5, 7, 9])
        #expect(t.sum(axis: 1, keepingDimension: true).shape == [2, 1])
        #expect(t.mean(axis: 1).scalars == [2, 5])
        #expect(t.max(axis: 0).scalars == [4, 5, 6])
        #expect(t.transposed.sum(axis: 1).scalars == [5, 7, 9])
        let soft = Tensor<Double>(shape: [2, 3], scalars: [1000, 1001, 1002, -5, 0, 5]).softmaxLastAxis()
        #expect(abs(soft.sum(axis: 1).scalars[0] - 1) < 1e-12 && abs(soft.sum(axis: 1).scalars[1] - 1) < 1e-12)
        #expect(abs(soft[0, 2] - 1 / (1 + exp(-1) + exp(-2))) < 1e-12, "no overflow at large inputs")
        #expect(t.argmaxLastAxis() == [2, 2])
        let sigmoid = Tensor<Double>([-800, 0, 800]).sigmoid()
        #expect(sigmoid.scalars == [0, 0.5, 1])
        #expect(Tensor<Double>([-800, 800]).softplus().scalars == [0, 800])
    }
}

struct FastFunctionTests {
    /// Float's tanh is a rational approximation: it must stay within a few ulp of the
    /// correctly rounded result over the whole range (measured worst: 6 ulp).
    @Test func floatTanhIsAccurateToAFewUlp() {
        var probes = (0...400_000).map { Float(-12 + 24 * Double($0) / 400_000) }
        for exponent in -30...3 { for mantissa in 1...9 { probes.append(Float(mantissa) * Float(pow(2.0, Double(exponent)))) } }
        var worstUlps: Float = 0
        for x in probes + probes.map({ -$0 }) {
            let exact = Float(Foundation.tanh(Double(x)))
            let ulps = abs(Float.tanh(x) - exact) / max(exact.ulp, Float.leastNormalMagnitude)
            worstUlps = max(worstUlps, ulps)
        }
        #expect(worstUlps <= 8, "worst error \(worstUlps) ulp")
        #expect(Float.tanh(0) == 0 && Float.tanh(20) == 1 && Float.tanh(-20) == -1 && Float.tanh(1e-6) == 1e-6)
    }
}
