import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The element types a `Tensor` holds: Float32 for models, Float64 where precision
/// matters (gradient checks, statistics). Each supplies its BLAS and LAPACK routines, so
/// the tensor code is written once over both.
public protocol TensorScalar: BinaryFloatingPoint, Sendable
    where Self.RawSignificand: FixedWidthInteger {
    /// The byte tag this type has in saved parameter files.
    static var typeTag: UInt8 { get }

    /// Row-major `C = alpha * op(A) * op(B) + beta * C`.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func dot(count: Int, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self
    /// `y += alpha * x`.
    static func axpy(count: Int, alpha: Self, x: UnsafePointer<Self>, y: UnsafeMutablePointer<Self>)

    static func syevd(n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>) -> Int32
    static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
                      u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>) -> Int32
    static func potrf(n: Int, a: UnsafeMutablePointer<Self>) -> Int32
    static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Self>, b: UnsafeMutablePointer<Self>) -> Int32
    static func geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Self>, tau: UnsafeMutablePointer<Self>) -> Int32
    static func orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Self>, tau: UnsafePointer<Self>) -> Int32

    /// Elementwise kernels (see `UnaryKernel`), one call per row of a tensor operation.
    static func unaryKernel(_ kernel: UnaryKernel, _ x: UnsafePointer<Self>, stride: Int, _ out: UnsafeMutablePointer<Self>, count: Int)
    static func binaryKernel(_ kernel: BinaryKernel, _ a: UnsafePointer<Self>, strideA: Int, _ b: UnsafePointer<Self>, strideB: Int,
                             _ out: UnsafeMutablePointer<Self>, count: Int)
    static func sumKernel(_ x: UnsafePointer<Self>, stride: Int, count: Int) -> Double

    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func lgamma(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

private func transpose(_ flag: Bool) -> CBLAS_TRANSPOSE { flag ? CblasTrans : CblasNoTrans }
private let upper = CChar(UInt8(ascii: "U"))
private let lower = CChar(UInt8(ascii: "L"))
private let vectors = CChar(UInt8(ascii: "V"))
private let thin = CChar(UInt8(ascii: "S"))

extension Float: TensorScalar {
    public static var typeTag: UInt8 { 1 }

    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transpose(transposeA), transpose(transposeB), Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        cblas_sdot(Int32(count), x, 1, y, 1)
    }

    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }

    public static func syevd(n: Int, a: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_ssyevd(LAPACK_ROW_MAJOR, vectors, upper, Int32(n), a, Int32(n), w)
    }

    public static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
                             u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>) -> Int32 {
        let k = Int32(Swift.min(m, n))
        return LAPACKE_sgesdd(LAPACK_ROW_MAJOR, thin, Int32(m), Int32(n), a, Int32(n), s, u, k, vt, Int32(n))
    }

    public static func potrf(n: Int, a: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_spotrf(LAPACK_ROW_MAJOR, lower, Int32(n), a, Int32(n))
    }

    public static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Float>, b: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_spotrs(LAPACK_ROW_MAJOR, lower, Int32(n), Int32(nrhs), a, Int32(n), b, Int32(nrhs))
    }

    public static func geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Float>, tau: UnsafeMutablePointer<Float>) -> Int32 {
        LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), tau)
    }

    public static func orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Float>, tau: UnsafePointer<Float>) -> Int32 {
        LAPACKE_sorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(k), a, Int32(n), tau)
    }

    public static func unaryKernel(_ kernel: UnaryKernel, _ x: UnsafePointer<Float>, stride: Int, _ out: UnsafeMutablePointer<Float>, count: Int) {
        runUnary(kernel, x, stride: stride, out, count: count)
    }

    public static func binaryKernel(_ kernel: BinaryKernel, _ a: UnsafePointer<Float>, strideA: Int, _ b: UnsafePointer<Float>, strideB: Int,
                                    _ out: UnsafeMutablePointer<Float>, count: Int) {
        runBinary(kernel, a, strideA: strideA, b, strideB: strideB, out, count: count)
    }

    public static func sumKernel(_ x: UnsafePointer<Float>, stride: Int, count: Int) -> Double {
        runSum(x, stride: stride, count: count)
    }

    public static func exp(_ x: Float) -> Float { expf(x) }
    public static func log(_ x: Float) -> Float { logf(x) }
    /// tanh by a 13/6-degree rational approximation on [-9, 9] (Eigen's; within a couple
    /// of ulp of libm's tanhf, which is several times slower and dominated recurrent steps).
    public static func tanh(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -9), 9)
        let x2 = clamped * clamped
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 - 8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        // Branch-free, so loops over it vectorise; below 4e-4 tanh(x) rounds to x.
        return Swift.abs(clamped) < 0.0004 ? clamped : clamped * p / q
    }
    public static func log1p(_ x: Float) -> Float { log1pf(x) }
    public static func lgamma(_ x: Float) -> Float { lgammaf(x) }
    public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: TensorScalar {
    public static var typeTag: UInt8 { 2 }

    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transpose(transposeA), transpose(transposeB), Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func dot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(Int32(count), x, 1, y, 1)
    }

    public static func axpy(count: Int, alpha: Double, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(Int32(count), alpha, x, 1, y, 1)
    }

    public static func syevd(n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dsyevd(LAPACK_ROW_MAJOR, vectors, upper, Int32(n), a, Int32(n), w)
    }

    public static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
                             u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>) -> Int32 {
        let k = Int32(Swift.min(m, n))
        return LAPACKE_dgesdd(LAPACK_ROW_MAJOR, thin, Int32(m), Int32(n), a, Int32(n), s, u, k, vt, Int32(n))
    }

    public static func potrf(n: Int, a: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dpotrf(LAPACK_ROW_MAJOR, lower, Int32(n), a, Int32(n))
    }

    public static func potrs(n: Int, nrhs: Int, a: UnsafePointer<Double>, b: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, lower, Int32(n), Int32(nrhs), a, Int32(n), b, Int32(nrhs))
    }

    public static func geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Double>, tau: UnsafeMutablePointer<Double>) -> Int32 {
        LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), a, Int32(n), tau)
    }

    public static func orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Double>, tau: UnsafePointer<Double>) -> Int32 {
        LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(n), Int32(k), a, Int32(n), tau)
    }

    public static func unaryKernel(_ kernel: UnaryKernel, _ x: UnsafePointer<Double>, stride: Int, _ out: UnsafeMutablePointer<Double>, count: Int) {
        runUnary(kernel, x, stride: stride, out, count: count)
    }

    public static func binaryKernel(_ kernel: BinaryKernel, _ a: UnsafePointer<Double>, strideA: Int, _ b: UnsafePointer<Double>, strideB: Int,
                                    _ out: UnsafeMutablePointer<Double>, count: Int) {
        runBinary(kernel, a, strideA: strideA, b, strideB: strideB, out, count: count)
    }

    public static func sumKernel(_ x: UnsafePointer<Double>, stride: Int, count: Int) -> Double {
        runSum(x, stride: stride, count: count)
    }

    public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    public static func log(_ x: Double) -> Double { Glibc.log(x) }
    public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    public static func lgamma(_ x: Double) -> Double { Glibc.lgamma(x) }
    public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
}
