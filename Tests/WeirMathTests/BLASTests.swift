import Testing
import WeirMath

struct BLASTests {
    @Test func gemmMultipliesRowMajorMatrices() {
        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
        var c = [Float](repeating: 0, count: 4)
        BLAS.gemm(m: 2, n: 2, k: 3, a: [1, 2, 3, 4, 5, 6], b: [7, 8, 9, 10, 11, 12], c: &c)
        #expect(c == [58, 64, 139, 154])
        #expect(BLAS.dot([1, 2, 3], [4, 5, 6]) == 32)
        #expect(!BLAS.configuration.isEmpty)
    }
}
