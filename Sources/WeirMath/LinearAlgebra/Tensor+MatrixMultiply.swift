/// Matrix products through BLAS GEMM. Transposed and row-sliced views go to BLAS as they
/// are (with its transpose flag and leading dimension) instead of being copied first.
extension Tensor {
    /// How a matrix view can be handed to GEMM without copying, if it can.
    private static func gemmLayout(rows: Int, columns: Int, rowStride: Int, columnStride: Int) -> (transpose: Bool, leading: Int)? {
        if columnStride == 1 || columns == 1, rowStride >= Swift.max(columns, 1) || rows == 1 {
            return (false, Swift.max(rows == 1 ? columns : rowStride, 1))
        }
        if rowStride == 1 || rows == 1, columnStride >= Swift.max(rows, 1) || columns == 1 {
            return (true, Swift.max(columns == 1 ? rows : columnStride, 1))
        }
        return nil
    }

    /// The matrix product. Rank 2: [m, k] x [k, n] -> [m, n]. Rank 3 (or a rank-3 and a
    /// rank-2 operand, which is broadcast over the batch): [b, m, k] x [b, k, n] -> [b, m, n].
    public static func matmul(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        precondition((2...3).contains(lhs.rank) && (2...3).contains(rhs.rank),
                     "matmul takes rank-2 or rank-3 operands, got \(lhs.shape) and \(rhs.shape)")
        let m = lhs.shape[lhs.rank - 2], k = lhs.shape[lhs.rank - 1]
        let n = rhs.shape[rhs.rank - 1]
        precondition(rhs.shape[rhs.rank - 2] == k, "matmul: inner dimensions differ in \(lhs.shape) x \(rhs.shape)")
        let lhsBatch = lhs.rank == 3 ? lhs.shape[0] : 1
        let rhsBatch = rhs.rank == 3 ? rhs.shape[0] : 1
        precondition(lhsBatch == rhsBatch || lhsBatch == 1 || rhsBatch == 1, "matmul: batch sizes \(lhsBatch) and \(rhsBatch) differ")
        let batch = Swift.max(lhsBatch, rhsBatch)

        func prepared(_ t: Tensor, rows: Int, columns: Int) -> (Tensor, Bool, Int) {
            let rs = t.strides[t.rank - 2], cs = t.strides[t.rank - 1]
            if let layout = gemmLayout(rows: rows, columns: columns, rowStride: rs, columnStride: cs) {
                return (t, layout.transpose, layout.leading)
            }
            let compact = t.contiguous()
            return (compact, false, Swift.max(columns, 1))
        }
        let (a, transposeA, lda) = prepared(lhs, rows: m, columns: k)
        let (b, transposeB, ldb) = prepared(rhs, rows: k, columns: n)
        let aBatchStride = a.rank == 3 && lhsBatch > 1 ? a.strides[0] : 0
        let bBatchStride = b.rank == 3 && rhsBatch > 1 ? b.strides[0] : 0
        // GEMM with beta = 0 writes every element, so the result needs no zero fill unless
        // the inner dimension is empty.
        guard k > 0 else {
            return Tensor(shape: lhs.rank == 3 || rhs.rank == 3 ? [batch, m, n] : [m, n], repeating: 0)
        }
        let result = [Scalar](unsafeUninitializedCapacity: batch * m * n) { cBuffer, initialized in
            a.storage.withUnsafeBufferPointer { aBuffer in
                b.storage.withUnsafeBufferPointer { bBuffer in
                    for index in 0..<batch where m > 0 && n > 0 {
                        Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                                    a: aBuffer.baseAddress! + a.offset + index * aBatchStride, lda: lda,
                                    b: bBuffer.baseAddress! + b.offset + index * bBatchStride, ldb: ldb,
                                    beta: 0, c: cBuffer.baseAddress! + index * m * n, ldc: n)
                    }
                }
            }
            initialized = batch * m * n
        }
        let shape = lhs.rank == 3 || rhs.rank == 3 ? [batch, m, n] : [m, n]
        return Tensor(shape: shape, scalars: result)
    }
}
