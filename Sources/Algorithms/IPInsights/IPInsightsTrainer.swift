import WeirAlgorithm
import WeirCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirMath

/// Trains an `IPInsightsModel` one mini-batch of real (entity, address) pairs at a time.
/// Each real pair is joined by `randomNegatives` pairs of its entity with a random
/// address of the same family and `shuffledNegatives` pairs of its entity with another
/// pair's address from the batch; the loss is binary cross-entropy of the dot products
/// as log-odds (real = 1), averaged over all pairs. Gradients are exact (hand-derived,
/// checked against finite differences in the tests); embedding rows are updated lazily
/// with Adam (only rows the batch touched), the encoder layers densely.
public final class IPInsightsTrainer {
    public struct Options: Sendable, Equatable {
        public var learningRate: Float = 0.001
        public var weightDecay: Float = 0.00001
        public var randomNegatives: Int = 1
        public var shuffledNegatives: Int = 1
        /// Probability that a prefix row is left out of an address's sum during training
        /// (the rest scaled up to keep the expected sum). It keeps the model from leaning
        /// on the finest prefixes alone, which new addresses of known networks lack.
        public var prefixDropout: Float = 0

        public init(learningRate: Float = 0.001, weightDecay: Float = 0.00001, randomNegatives: Int = 1, shuffledNegatives: Int = 1,
                    prefixDropout: Float = 0) {
            self.learningRate = learningRate
            self.weightDecay = weightDecay
            self.randomNegatives = randomNegatives
            self.shuffledNegatives = shuffledNegatives
            self.prefixDropout = prefixDropout
        }
    }

    /// What one batch did: its mean loss and how many pairs (real and negative) it held.
    public struct BatchResult: Sendable {
        public let loss: Double
        public let pairs: Int
    }

    public private(set) var model: IPInsightsModel
    public let options: Options
    private var random: RandomSource
    private var step = 0
    private let d: Int
    private let buckets: IPPrefixBuckets
    private var entityAdam: RowSparseAdam
    private var ipAdam: RowSparseAdam
    private var weightAdams: [RowSparseAdam]
    private var biasAdams: [RowSparseAdam]
    private(set) var entityGradients: RowGradients
    private(set) var ipGradients: RowGradients
    // Scratch reused across batches.
    private var addresses: [IPAddress] = []
    private var rows: [Int32] = []
    private var activations: [[Float]] = []
    private var entityVectors: [Float] = []
    private var partners: [Int32] = []
    private var gradientEncoded: [Float] = []
    private var gradientPrevious: [Float] = []
    private var gradientEntity: [Float] = []
    private(set) var weightGradients: [[Float]] = []
    private(set) var biasGradients: [[Float]] = []

    public init(model: IPInsightsModel, options: Options, seed: UInt64) {
        self.model = model
        self.options = options
        random = RandomSource(seed: seed ^ 0x1F1F_2E2E_3D3D_4C4C)
        let configuration = model.configuration
        d = configuration.vectorDimension
        buckets = model.buckets
        func adam(rows: Int) -> RowSparseAdam {
            RowSparseAdam(rowCount: rows, width: configuration.vectorDimension, learningRate: options.learningRate,
                          weightDecay: options.weightDecay)
        }
        entityAdam = adam(rows: configuration.entityVectors)
        ipAdam = adam(rows: configuration.ipVectors)
        weightAdams = (0..<configuration.encoderLayers).map { _ in adam(rows: configuration.vectorDimension) }
        biasAdams = (0..<configuration.encoderLayers).map { _ in adam(rows: 1) }
        entityGradients = RowGradients(rowCount: configuration.entityVectors, width: d)
        ipGradients = RowGradients(rowCount: configuration.ipVectors, width: d)
    }

    /// The optimizer's moments, its step count and the random state (the model is saved
    /// apart), for training checkpoints.
    public func encodeState(into writer: inout BinaryWriter) {
        writer.write(randomSource: random)
        writer.write(Int64(step))
        entityAdam.encodeState(into: &writer)
        ipAdam.encodeState(into: &writer)
        for adam in weightAdams + biasAdams { adam.encodeState(into: &writer) }
    }

    /// Restores what `encodeState` wrote, for a trainer of the same model shape.
    public func restoreState(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        random = try reader.readRandomSource()
        let steps: Int64 = try reader.read()
        guard steps >= 0, let restoredStep = Int(exactly: steps) else { throw reader.error("a step count of \(steps)") }
        step = restoredStep
        try entityAdam.restoreState(from: &reader)
        try ipAdam.restoreState(from: &reader)
        for index in weightAdams.indices { try weightAdams[index].restoreState(from: &reader) }
        for index in biasAdams.indices { try biasAdams[index].restoreState(from: &reader) }
    }

    /// Marks entities as trained on (for the unseen-entity policy at scoring time).
    public func noteEntity(_ key: EntityKey) {
        model.entityFilter.insert(key)
    }

    public func setCalibration(_ calibration: ScoreCalibration?, falsePositiveRate: Double) {
        model.calibration = calibration
        model.falsePositiveRate = falsePositiveRate
    }

    /// One training step on real pairs (`entityRows[i]`, `addresses[i]`).
    @discardableResult
    public func train(entityRows: [Int32], addresses realAddresses: [IPAddress]) -> BatchResult {
        let result = computeGradients(entityRows: entityRows, addresses: realAddresses)
        guard result.pairs > 0 else { return result }
        step += 1
        let d = self.d
        for layer in 0..<model.configuration.encoderLayers {
            model.layerWeights[layer].withUnsafeMutableBufferPointer { weights in
                weightGradients[layer].withUnsafeBufferPointer { dw in
                    weightAdams[layer].update(weights.baseAddress!, rows: nil, rowCount: d, gradients: dw.baseAddress!, step: step)
                }
            }
            model.layerBiases[layer].withUnsafeMutableBufferPointer { bias in
                biasGradients[layer].withUnsafeBufferPointer { db in
                    biasAdams[layer].update(bias.baseAddress!, rows: nil, rowCount: 1, gradients: db.baseAddress!, step: step, decay: false)
                }
            }
        }
        apply(&ipGradients, to: &model.ipEmbeddings, adam: &ipAdam)
        apply(&entityGradients, to: &model.entityEmbeddings, adam: &entityAdam)
        return result
    }

    /// The gradients of the batch's mean loss, left in `ipGradients`, `entityGradients`,
    /// `weightGradients` and `biasGradients` (without weight decay, which Adam adds).
    func computeGradients(entityRows: [Int32], addresses realAddresses: [IPAddress]) -> BatchResult {
        precondition(entityRows.count == realAddresses.count, "one entity per address")
        let n = entityRows.count
        guard n > 0 else { return BatchResult(loss: 0, pairs: 0) }
        let r = options.randomNegatives, s = n > 1 ? options.shuffledNegatives : 0
        let m = n * (1 + r)
        let layers = model.configuration.encoderLayers
        let levels = IPPrefixBuckets.levels
        let d = self.d

        // Addresses to encode: the real ones, then each one's random negatives.
        addresses.removeAll(keepingCapacity: true)
        addresses.append(contentsOf: realAddresses)
        for index in 0..<n {
            for _ in 0..<r { addresses.append(IPAddress.random(sameFamilyAs: realAddresses[index], using: &random)) }
        }
        partners.removeAll(keepingCapacity: true)
        for index in 0..<n {
            for _ in 0..<s {
                var partner = random.uniformInt(below: n - 1)
                if partner >= index { partner += 1 }
                partners.append(Int32(partner))
            }
        }
        if rows.count < m * levels { rows = [Int32](repeating: 0, count: m * levels) }
        while activations.count < layers + 1 { activations.append([]) }
        for layer in 0...layers where activations[layer].count < m * d {
            activations[layer] = [Float](repeating: 0, count: m * d)
        }
        if entityVectors.count < n * d { entityVectors = [Float](repeating: 0, count: n * d) }
        if gradientEncoded.count < m * d {
            gradientEncoded = [Float](repeating: 0, count: m * d)
            gradientPrevious = [Float](repeating: 0, count: m * d)
        }
        if gradientEntity.count < n * d { gradientEntity = [Float](repeating: 0, count: n * d) }

        // Forward: prefix sums (rows left out by dropout marked -1), then the layers.
        let dropout = options.prefixDropout
        let keepScale = 1 / (1 - dropout)
        let dropThreshold = UInt64(Double(dropout) * 0x1p64.nextDown)
        rows.withUnsafeMutableBufferPointer { rowBuffer in
            model.ipEmbeddings.withUnsafeBufferPointer { table in
                activations[0].withUnsafeMutableBufferPointer { x0 in
                    for index in 0..<m {
                        let vector = x0.baseAddress! + index * d
                        vector.update(repeating: 0, count: d)
                        let addressRows = rowBuffer.baseAddress! + index * levels
                        buckets.rows(of: addresses[index], into: addressRows)
                        for level in 0..<levels {
                            if dropout > 0 && random.next() < dropThreshold {
                                addressRows[level] = -1
                                continue
                            }
                            VectorKernels.addScaled(table.baseAddress! + Int(addressRows[level]) * d, keepScale, to: vector, count: d)
                        }
                    }
                }
            }
        }
        for layer in 0..<layers {
            let input = activations[layer]
            activations[layer + 1].withUnsafeMutableBufferPointer { output in
                let bias = model.layerBiases[layer]
                for index in 0..<m { (output.baseAddress! + index * d).update(from: bias, count: d) }
                input.withUnsafeBufferPointer { x in
                    model.layerWeights[layer].withUnsafeBufferPointer { weights in
                        BLAS.gemm(transposeB: true, m: m, n: d, k: d, a: x.baseAddress!, lda: d, b: weights.baseAddress!, ldb: d,
                                  beta: 1, c: output.baseAddress!, ldc: d)
                    }
                }
                if layer < layers - 1 { VectorKernels.relu(output.baseAddress!, count: m * d) }
            }
        }

        // Scores, loss and the gradients of the encoded addresses and entity vectors.
        let total = Float(n * (1 + r + s))
        var loss = 0.0
        model.entityEmbeddings.withUnsafeBufferPointer { entities in
            entityVectors.withUnsafeMutableBufferPointer { vectors in
                for index in 0..<n {
                    (vectors.baseAddress! + index * d).update(from: entities.baseAddress! + Int(entityRows[index]) * d, count: d)
                }
            }
        }
        activations[layers].withUnsafeBufferPointer { encodedBuffer in
            entityVectors.withUnsafeBufferPointer { vectorBuffer in
                gradientEncoded.withUnsafeMutableBufferPointer { gradientU in
                    gradientEntity.withUnsafeMutableBufferPointer { gradientV in
                        let u = encodedBuffer.baseAddress!, v = vectorBuffer.baseAddress!
                        let gu = gradientU.baseAddress!, gv = gradientV.baseAddress!
                        gu.update(repeating: 0, count: m * d)
                        gv.update(repeating: 0, count: n * d)
                        func pair(_ entity: Int, _ address: Int, real: Bool) {
                            let z = VectorKernels.dot(v + entity * d, u + address * d, count: d)
                            // softplus(-z) for a real pair, softplus(z) for a negative one.
                            let signed = real ? -z : z
                            loss += Double(max(signed, 0) + log1pf(expf(-abs(signed))))
                            let probability = 1 / (1 + expf(-z))
                            let g = (probability - (real ? 1 : 0)) / total
                            VectorKernels.addScaled(u + address * d, g, to: gv + entity * d, count: d)
                            VectorKernels.addScaled(v + entity * d, g, to: gu + address * d, count: d)
                        }
                        for index in 0..<n {
                            pair(index, index, real: true)
                            for j in 0..<r { pair(index, n + index * r + j, real: false) }
                            for j in 0..<s { pair(index, Int(partners[index * s + j]), real: false) }
                        }
                    }
                }
            }
        }

        // Backward through the layers; `gradientEncoded` ends as the gradient of the prefix sums.
        while weightGradients.count < layers {
            weightGradients.append([Float](repeating: 0, count: d * d))
            biasGradients.append([Float](repeating: 0, count: d))
        }
        for layer in stride(from: layers - 1, through: 0, by: -1) {
            gradientEncoded.withUnsafeMutableBufferPointer { gradientZ in
                let dz = gradientZ.baseAddress!
                if layer < layers - 1 {
                    activations[layer + 1].withUnsafeBufferPointer { output in
                        for index in 0..<(m * d) where output[index] <= 0 { dz[index] = 0 }
                    }
                }
                activations[layer].withUnsafeBufferPointer { input in
                    weightGradients[layer].withUnsafeMutableBufferPointer { dw in
                        BLAS.gemm(transposeA: true, m: d, n: d, k: m, a: dz, lda: d, b: input.baseAddress!, ldb: d,
                                  c: dw.baseAddress!, ldc: d)
                    }
                }
                biasGradients[layer].withUnsafeMutableBufferPointer { db in
                    db.baseAddress!.update(repeating: 0, count: d)
                    for index in 0..<m { VectorKernels.add(dz + index * d, to: db.baseAddress!, count: d) }
                }
                gradientPrevious.withUnsafeMutableBufferPointer { previous in
                    model.layerWeights[layer].withUnsafeBufferPointer { weights in
                        BLAS.gemm(m: m, n: d, k: d, a: dz, lda: d, b: weights.baseAddress!, ldb: d,
                                  c: previous.baseAddress!, ldc: d)
                    }
                }
            }
            swap(&gradientEncoded, &gradientPrevious)
        }

        // Gradients of the touched rows.
        ipGradients.clear()
        entityGradients.clear()
        if dropout > 0 {
            gradientEncoded.withUnsafeMutableBufferPointer { gradient in
                for index in 0..<(m * d) { gradient[index] *= keepScale }
            }
        }
        gradientEncoded.withUnsafeBufferPointer { gradient in
            for index in 0..<m {
                for level in 0..<levels where rows[index * levels + level] >= 0 {
                    ipGradients.add(gradient.baseAddress! + index * d, to: rows[index * levels + level])
                }
            }
        }
        gradientEntity.withUnsafeBufferPointer { gradient in
            for index in 0..<n { entityGradients.add(gradient.baseAddress! + index * d, to: entityRows[index]) }
        }
        return BatchResult(loss: loss / Double(total), pairs: Int(total))
    }

    private func apply(_ gradients: inout RowGradients, to table: inout [Float], adam: inout RowSparseAdam) {
        let step = self.step
        table.withUnsafeMutableBufferPointer { weights in
            gradients.rows.withUnsafeBufferPointer { touched in
                gradients.values.withUnsafeBufferPointer { values in
                    adam.update(weights.baseAddress!, rows: touched, rowCount: touched.count, gradients: values.baseAddress!, step: step)
                }
            }
        }
        gradients.clear()
    }
}
