import Testing
import WeirMath

struct DecompositionTests {
    func spd(_ n: Int, seed: UInt64) -> Tensor<Double> {
        var random = RandomSource(seed: seed)
        let a: Tensor<Double> = random.normalTensor([n, n])
        return Tensor.matmul(a, a.transposed) + Tensor.identity(n) * Double(n)
    }

    @Test func symmetricEigenSatisfiesTheDefinition() throws {
        let a = spd(6, seed: 1)
        let (values, vectors) = try Decompositions.symmetricEigen(a)
        #expect(values.scalars == values.scalars.sorted())
        let reconstructed = Tensor.matmul(Tensor.matmul(vectors, diag(values)), vectors.transposed)
        #expect(reconstructed.maxAbsoluteDifference(a) < 1e-10)
        #expect(Tensor.matmul(vectors.transposed, vectors).maxAbsoluteDifference(Tensor.identity(6)) < 1e-12)
    }

    @Test func svdReconstructsTallAndWideMatrices() throws {
        var random = RandomSource(seed: 2)
        for shape in [[7, 3], [3, 7]] {
            let a: Tensor<Double> = random.normalTensor(shape)
            let (u, s, vt) = try Decompositions.svd(a)
            #expect(s.scalars == s.scalars.sorted(by: >))
            #expect(Tensor.matmul(Tensor.matmul(u, diag(s)), vt).maxAbsoluteDifference(a) < 1e-12)
        }
        let single: Tensor<Float> = random.normalTensor([5, 4])
        let (u, s, vt) = try Decompositions.svd(single)
        #expect(Tensor.matmul(Tensor.matmul(u, diag(s)), vt).maxAbsoluteDifference(single) < 1e-5)
    }

    @Test func choleskyFactorsAndSolves() throws {
        let a = spd(5, seed: 3)
        let l = try Decompositions.cholesky(a)
        #expect(Tensor.matmul(l, l.transposed).maxAbsoluteDifference(a) < 1e-12)
        #expect(l[0, 4] == 0, "the upper triangle is cleared")
        let b = Tensor<Double>(shape: [5, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        let x = try Decompositions.choleskySolve(factor: l, b)
        #expect(Tensor.matmul(a, x).maxAbsoluteDifference(b) < 1e-10)
        #expect(throws: LinearAlgebraError.self) { try Decompositions.cholesky(Tensor<Double>(rows: [[1, 2], [2, 1]])) }
    }

    @Test func qrGivesOrthonormalQAndTriangularR() throws {
        var random = RandomSource(seed: 4)
        let a: Tensor<Double> = random.normalTensor([8, 3])
        let (q, r) = try Decompositions.qr(a)
        #expect(Tensor.matmul(q, r).maxAbsoluteDifference(a) < 1e-12)
        #expect(Tensor.matmul(q.transposed, q).maxAbsoluteDifference(Tensor.identity(3)) < 1e-12)
        #expect(r[1, 0] == 0 && r[2, 0] == 0 && r[2, 1] == 0)
    }

    func diag<Scalar: TensorScalar>(_ values: Tensor<Scalar>) -> Tensor<Scalar> {
        var result = Tensor<Scalar>.zeros([values.count, values.count])
        for i in 0..<values.count { result[i, i] = values[i] }
        return result
    }
}
