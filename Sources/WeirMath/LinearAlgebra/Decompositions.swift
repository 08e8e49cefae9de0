/// Why a LAPACK routine refused a matrix: the routine and its `info` code.
public struct LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    public let routine: String
    public let info: Int32

    public var description: String {
        switch routine {
        case "potrf": return "Cholesky factorisation failed: the matrix is not positive definite (leading minor \(info))"
        default: return "LAPACK \(routine) failed with info \(info)"
        }
    }
}

/// The matrix decompositions later algorithms need (PCA, linear models, Gaussian
/// processes), through LAPACKE on row-major copies of the inputs.
public enum Decompositions {
    /// Eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix; only its
    /// upper triangle is read.
    public static func symmetricEigen<Scalar: TensorScalar>(_ matrix: Tensor<Scalar>) throws -> (values: Tensor<Scalar>, vectors: Tensor<Scalar>) {
        let n = try squareSize(matrix, "syevd")
        var a = matrix.scalars
        var w = [Scalar](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            w.withUnsafeMutableBufferPointer { wp in Scalar.syevd(n: n, a: ap.baseAddress!, w: wp.baseAddress!) }
        }
        guard info == 0 else { throw LinearAlgebraError(routine: "syevd", info: info) }
        return (Tensor(w), Tensor(shape: [n, n], scalars: a))
    }

    /// The thin singular value decomposition A = U diag(S) Vᵀ with S descending:
    /// U is [m, k], S has k values and Vᵀ is [k, n], k = min(m, n).
    public static func svd<Scalar: TensorScalar>(_ matrix: Tensor<Scalar>) throws -> (u: Tensor<Scalar>, s: Tensor<Scalar>, vt: Tensor<Scalar>) {
        precondition(matrix.rank == 2, "svd takes a matrix, got shape \(matrix.shape)")
        let m = matrix.shape[0], n = matrix.shape[1], k = Swift.min(m, n)
        var a = matrix.scalars
        var s = [Scalar](repeating: 0, count: k)
        var u = [Scalar](repeating: 0, count: m * k)
        var vt = [Scalar](repeating: 0, count: k * n)
        let info = a.withUnsafeMutableBufferPointer { ap in
            s.withUnsafeMutableBufferPointer { sp in
                u.withUnsafeMutableBufferPointer { up in
                    vt.withUnsafeMutableBufferPointer { vp in
                        Scalar.gesdd(m: m, n: n, a: ap.baseAddress!, s: sp.baseAddress!, u: up.baseAddress!, vt: vp.baseAddress!)
                    }
                }
            }
        }
        guard info == 0 else { throw LinearAlgebraError(routine: "gesdd", info: info) }
        return (Tensor(shape: [m, k], scalars: u), Tensor(s), Tensor(shape: [k, n], scalars: vt))
    }

    /// The lower-triangular L with A = L Lᵀ for a symmetric positive definite A.
    public static func cholesky<Scalar: TensorScalar>(_ matrix: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let n = try squareSize(matrix, "potrf")
        var a = matrix.scalars
        let info = a.withUnsafeMutableBufferPointer { Scalar.potrf(n: n, a: $0.baseAddress!) }
        guard info == 0 else { throw LinearAlgebraError(routine: "potrf", info: info) }
        for row in 0..<n { for column in (row + 1)..<Swift.max(n, row + 1) { a[row * n + column] = 0 } }
        return Tensor(shape: [n, n], scalars: a)
    }

    /// Solves A X = B given the Cholesky factor L of A; B is [n] or [n, r].
    public static func choleskySolve<Scalar: TensorScalar>(factor: Tensor<Scalar>, _ rhs: Tensor<Scalar>) throws -> Tensor<Scalar> {
        let n = try squareSize(factor, "potrs")
        precondition(rhs.shape.first == n, "right-hand side of shape \(rhs.shape) does not fit a \(n)x\(n) system")
        let columns = rhs.rank == 1 ? 1 : rhs.shape[1]
        let l = factor.scalars
        var b = rhs.scalars
        let info = l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { Scalar.potrs(n: n, nrhs: columns, a: lp.baseAddress!, b: $0.baseAddress!) }
        }
        guard info == 0 else { throw LinearAlgebraError(routine: "potrs", info: info) }
        return Tensor(shape: rhs.shape, scalars: b)
    }

    /// The thin QR decomposition A = Q R of an m x n matrix with m >= n: Q is [m, n] with
    /// orthonormal columns and R is [n, n] upper triangular.
    public static func qr<Scalar: TensorScalar>(_ matrix: Tensor<Scalar>) throws -> (q: Tensor<Scalar>, r: Tensor<Scalar>) {
        precondition(matrix.rank == 2 && matrix.shape[0] >= matrix.shape[1], "qr takes an m x n matrix with m >= n, got \(matrix.shape)")
        let m = matrix.shape[0], n = matrix.shape[1]
        var a = matrix.scalars
        var tau = [Scalar](repeating: 0, count: n)
        var info = a.withUnsafeMutableBufferPointer { ap in
            tau.withUnsafeMutableBufferPointer { Scalar.geqrf(m: m, n: n, a: ap.baseAddress!, tau: $0.baseAddress!) }
        }
        guard info == 0 else { throw LinearAlgebraError(routine: "geqrf", info: info) }
        var r = [Scalar](repeating: 0, count: n * n)
        for row in 0..<n { for column in row..<n { r[row * n + column] = a[row * n + column] } }
        info = a.withUnsafeMutableBufferPointer { ap in
            tau.withUnsafeBufferPointer { Scalar.orgqr(m: m, n: n, k: n, a: ap.baseAddress!, tau: $0.baseAddress!) }
        }
        guard info == 0 else { throw LinearAlgebraError(routine: "orgqr", info: info) }
        return (Tensor(shape: [m, n], scalars: a), Tensor(shape: [n, n], scalars: r))
    }

    private static func squareSize<Scalar: TensorScalar>(_ matrix: Tensor<Scalar>, _ routine: String) throws -> Int {
        precondition(matrix.rank == 2 && matrix.shape[0] == matrix.shape[1], "\(routine) takes a square matrix, got \(matrix.shape)")
        return matrix.shape[0]
    }
}
