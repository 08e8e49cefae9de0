import WeirMath

/// Scores (entity, address) pairs fast. The first encoder layer is linear in the sum of
/// prefix rows, so it is folded into the table once (`W * row` per row); an address then
/// costs `IPPrefixBuckets.levels` row additions, and deeper layers run as one matrix
/// product per batch. Holds scratch space: one scorer per thread.
public final class IPInsightsScorer {
    public let model: IPInsightsModel
    let dimension: Int
    let buckets: IPPrefixBuckets
    /// The IP table times the first layer's weights (the table itself without layers).
    let foldedTable: [Float]
    let firstBias: [Float]
    static let chunk = 256
    private var rows: [Int32]
    private var encoded: [Float]
    private var hidden: [Float]

    public init(model: IPInsightsModel) {
        self.model = model
        let d = model.configuration.vectorDimension
        dimension = d
        buckets = model.buckets
        if model.configuration.encoderLayers > 0 {
            var folded = [Float](repeating: 0, count: model.ipEmbeddings.count)
            model.ipEmbeddings.withUnsafeBufferPointer { table in
                model.layerWeights[0].withUnsafeBufferPointer { weights in
                    folded.withUnsafeMutableBufferPointer { out in
                        BLAS.gemm(transposeB: true, m: model.configuration.ipVectors, n: d, k: d,
                                  a: table.baseAddress!, lda: d, b: weights.baseAddress!, ldb: d,
                                  c: out.baseAddress!, ldc: d)
                    }
                }
            }
            foldedTable = folded
            firstBias = model.layerBiases[0]
        } else {
            foldedTable = model.ipEmbeddings
            firstBias = [Float](repeating: 0, count: d)
        }
        rows = [Int32](repeating: 0, count: IPPrefixBuckets.levels)
        encoded = [Float](repeating: 0, count: Self.chunk * d)
        hidden = [Float](repeating: 0, count: Self.chunk * d)
    }

    /// Scores `entityRows[i]` against `addresses[i]` into `scores[i]`.
    public func score(entityRows: UnsafeBufferPointer<Int32>, addresses: UnsafeBufferPointer<IPAddress>,
                      into scores: UnsafeMutablePointer<Float>) {
        precondition(entityRows.count == addresses.count, "one entity row per address")
        var start = 0
        while start < addresses.count {
            let count = min(Self.chunk, addresses.count - start)
            encode(UnsafeBufferPointer(rebasing: addresses[start..<start + count]))
            let d = dimension
            model.entityEmbeddings.withUnsafeBufferPointer { entities in
                encoded.withUnsafeBufferPointer { vectors in
                    for index in 0..<count {
                        scores[start + index] = VectorKernels.dot(entities.baseAddress! + Int(entityRows[start + index]) * d,
                                                                  vectors.baseAddress! + index * d, count: d)
                    }
                }
            }
            start += count
        }
    }

    /// The score of one pair (the stream operator's path: no batch to fill).
    public func score(entityRow: Int32, address: IPAddress) -> Float {
        guard model.configuration.encoderLayers <= 1 else {
            var result: Float = 0
            withUnsafePointer(to: entityRow) { row in
                withUnsafePointer(to: address) { pointer in
                    score(entityRows: UnsafeBufferPointer(start: row, count: 1),
                          addresses: UnsafeBufferPointer(start: pointer, count: 1), into: &result)
                }
            }
            return result
        }
        let d = dimension
        return rows.withUnsafeMutableBufferPointer { rowBuffer in
            buckets.rows(of: address, into: rowBuffer.baseAddress!)
            return foldedTable.withUnsafeBufferPointer { table in
                model.entityEmbeddings.withUnsafeBufferPointer { entities in
                    firstBias.withUnsafeBufferPointer { bias in
                        // score = e . (b + sum of rows) = e . b + sum of (e . row)
                        let entity = entities.baseAddress! + Int(entityRow) * d
                        var total = VectorKernels.dot(entity, bias.baseAddress!, count: d)
                        for level in 0..<IPPrefixBuckets.levels {
                            total += VectorKernels.dot(entity, table.baseAddress! + Int(rowBuffer[level]) * d, count: d)
                        }
                        return total
                    }
                }
            }
        }
    }

    /// The encoded address (`ip_embedding` in verbose responses).
    public func embedding(of address: IPAddress) -> [Float] {
        withUnsafePointer(to: address) { encode(UnsafeBufferPointer(start: $0, count: 1)) }
        return Array(encoded[0..<dimension])
    }

    /// Encodes up to `chunk` addresses into `encoded`.
    private func encode(_ addresses: UnsafeBufferPointer<IPAddress>) {
        let d = dimension, count = addresses.count
        let layers = model.configuration.encoderLayers
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            foldedTable.withUnsafeBufferPointer { table in
                firstBias.withUnsafeBufferPointer { bias in
                    encoded.withUnsafeMutableBufferPointer { out in
                        for index in 0..<count {
                            let vector = out.baseAddress! + index * d
                            vector.update(from: bias.baseAddress!, count: d)
                            buckets.rows(of: addresses[index], into: rowBuffer.baseAddress!)
                            for level in 0..<IPPrefixBuckets.levels {
                                VectorKernels.add(table.baseAddress! + Int(rowBuffer[level]) * d, to: vector, count: d)
                            }
                        }
                    }
                }
            }
        }
        guard layers > 1 else { return }
        for layer in 1..<layers {
            encoded.withUnsafeMutableBufferPointer { current in
                hidden.withUnsafeMutableBufferPointer { next in
                    VectorKernels.relu(current.baseAddress!, count: count * d)
                    for index in 0..<count {
                        (next.baseAddress! + index * d).update(from: model.layerBiases[layer], count: d)
                    }
                    model.layerWeights[layer].withUnsafeBufferPointer { weights in
                        BLAS.gemm(transposeB: true, m: count, n: d, k: d, a: current.baseAddress!, lda: d,
                                  b: weights.baseAddress!, ldb: d, beta: 1, c: next.baseAddress!, ldc: d)
                    }
                }
            }
            swap(&encoded, &hidden)
        }
    }
}
