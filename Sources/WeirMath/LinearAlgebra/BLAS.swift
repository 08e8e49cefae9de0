import CBLAS

/// Process-wide OpenBLAS settings and the small dense kernels the rest of Weir calls.
public enum BLAS {
    /// Sets OpenBLAS's own thread count. Stream operators that already run one thread per
    /// partition want 1, so that BLAS threads do not fight them for cores.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The OpenBLAS build and kernel in use, for logs and benchmark reports.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// `C = alpha * A * B + beta * C` for row-major single-precision matrices.
    public static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1, a: [Float], b: [Float],
                            beta: Float = 0, c: inout [Float]) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "gemm: matrix sizes do not match")
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(k), b, Int32(n), beta, &c, Int32(n))
    }

    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers that the caller owns,
    /// for hot loops that keep their matrices in preallocated storage. `op(A)` is m x k,
    /// `op(B)` is k x n; `lda`, `ldb`, `ldc` are the row strides of the stored matrices.
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y = A x` for a row-major `rows x columns` matrix with row stride `lda`: one pass over
    /// A without the packing a one-column `gemm` pays for (k-NN scores one query this way).
    public static func gemv(rows: Int, columns: Int, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
                            y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(lda), x, 1, 0, y, 1)
    }

    /// Dot product of two equally long vectors.
    public static func dot(_ x: [Float], _ y: [Float]) -> Float {
        precondition(x.count == y.count, "dot: lengths differ")
        return cblas_sdot(Int32(x.count), x, 1, y, 1)
    }
}
