import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

/// `weir train pca`: principal components as SageMaker's PCA finds them. `regular` sums the
/// exact covariance over mini-batches in one pass (dense batches through one matrix
/// product each, sparse rows through their non-zeros) and takes its eigenvectors;
/// `randomized` keeps only d x (k + extra) numbers: a random start refined by passes of
/// the covariance's product (power iterations; by default until the components'
/// variances settle), then the eigenvectors of the small projected matrix (data under
/// 256 MB is kept from the first pass, so later passes cost no reading). A
/// sample of training records calibrates reconstruction errors for novelty thresholds.
public enum PCAAlgorithm: Servable {
    public typealias Model = PCAModel

    public static let info = AlgorithmInfo(
        name: "pca", summary: "Principal component analysis (exact covariance or randomized; projections and reconstruction error).",
        trainingContentTypes: ["text/csv", "application/x-recordio-protobuf", "application/jsonlines", "text/libsvm"],
        modelFile: "model.pca", streamOperator: "pca", preferredBLASThreads: 1)

    /// Values of data kept in memory between the randomized solver's passes.
    static let cacheBudget = 32_000_000

    public static func predictor(for model: PCAModel) throws -> PCAPredictor { PCAPredictor(model: model) }

    public static func train(_ hp: PCAHyperparameters, context: TrainingContext) throws -> TrainedModel<PCAModel> {
        let train = try context.channel("train")
        let reader = FeatureBatchReader(channel: train, dimension: hp.featureDimension, batchSize: hp.batchSize)
        var reservoir = RowReservoir(seed: hp.seed &+ 1)
        let start = ContinuousClock.now
        let passes = hp.mode == .regular ? 1 : (hp.powerIterations ?? PCAHyperparameters.maximumAutoIterations) + 1
        var cache: [FeatureBatch<Double>]? = []
        var cached = 0
        var read = 0
        /// One pass over the data: from the channel (keeping it when it fits), or from memory.
        /// `body` returns what a later pass takes in the batch's place (the shifted batch).
        func pass(_ index: Int, _ body: (FeatureBatch<Double>) -> FeatureBatch<Double>) throws {
            if index > 0, let cache {
                for batch in cache { _ = body(batch) }
                return
            }
            try reader.forEachBatch(epoch: index, hostIndex: context.hostIndex, hostCount: context.hostCount, as: Double.self,
                                    row: { if index == 0 { reservoir.offer($0) } }) { batch in
                read += batch.count
                let kept = body(batch)
                if index == 0 && passes > 1 && cache != nil {
                    cached += Self.storedValues(kept)
                    if cached <= Self.cacheBudget { cache?.append(kept) } else { cache = nil }
                }
                let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
                context.metrics.progressBar(epoch: index, of: passes, fraction: 0, loss: nil, recordsPerSecond: Double(read) / elapsed)
            }
            if index == 0 && passes == 1 { cache = nil }
        }

        let directions: [Double], variances: [Double], moments: CentredMoments
        var passesRun = 1
        switch hp.mode {
        case .regular:
            var solver = PCASolver.Regular(dimension: hp.featureDimension)
            try pass(0) { batch in
                solver.absorb(batch)
                return batch
            }
            moments = solver.moments
            try requireRecords(moments.count)
            (directions, variances) = try topEigenvectors(of: solver.matrix(subtractMean: hp.subtractMean), size: hp.featureDimension,
                                                          basis: nil, keep: hp.components)
        case .randomized:
            let d = hp.featureDimension, l = hp.searchedDirections
            var random = RandomSource(seed: hp.seed)
            var q = try orthonormal(random.normalTensor([d, l]) as Tensor<Double>)
            var previous: [Double]?
            var result: ([Double], [Double])?
            var done = 0
            var last = PCASolver.Sweep(directions: q, dimension: d, width: l)
            for index in 0..<passes {
                // Passes after the first from memory take its shifted batches and its moments.
                let fromMemory = index > 0 && cache != nil
                var sweep = PCASolver.Sweep(directions: q, dimension: d, width: l, firstPass: fromMemory ? last.moments : nil)
                try pass(index) { sweep.absorb($0) }
                try requireRecords(sweep.moments.count)
                last = sweep
                done = index + 1
                let cq = sweep.result(subtractMean: hp.subtractMean)
                let isLast = index == passes - 1
                if hp.powerIterations == nil || isLast {
                    // Rayleigh-Ritz: the covariance restricted to span(Q), B = Q^T (C Q), l x l.
                    let found = try topEigenvectors(of: projected(q, cq, d: d, l: l), size: l, basis: (q, d), keep: hp.components)
                    defer { previous = found.1 }
                    if isLast || previous.map({ Self.settled($0, found.1) }) == true {
                        result = found
                        break
                    }
                }
                q = try orthonormal(Tensor(shape: [d, l], scalars: cq))
                context.metrics.progress(completedEpochs: index + 1, of: passes)
            }
            moments = last.moments
            passesRun = done
            // The loop always ends through its last pass or a settled one, both with a result.
            guard let result else { throw TrainingJobError(message: "the randomized solver ran no pass") }
            (directions, variances) = result
        }
        context.metrics.endProgressBar()
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(read) / elapsed)
        let total = hp.subtractMean ? moments.totalVariance : moments.totalSecondMoment
        var model = PCAModel(dimension: hp.featureDimension, components: directions, explainedVariance: variances, totalVariance: total,
                             mean: hp.subtractMean ? moments.mean : [Double](repeating: 0, count: hp.featureDimension),
                             subtractMean: hp.subtractMean, trainingRecords: moments.count, calibration: nil)
        let residuals = reservoir.rows.map { Float(model.project($0).residual) }
        model = PCAModel(dimension: model.dimension, components: model.components, explainedVariance: model.explainedVariance,
                         totalVariance: total, mean: model.mean, subtractMean: model.subtractMean, trainingRecords: model.trainingRecords,
                         calibration: NoveltyCalibration(scores: residuals))
        let ratio = total > 0 ? variances.reduce(0, +) / total : 0
        context.metrics.quality(channel: "train", metric: "explained_variance_ratio", kind: "score", value: ratio)
        return TrainedModel(model: model, metadata: [
            ("num_components", .number(Double(hp.components))), ("feature_dim", .number(Double(hp.featureDimension))),
            ("records", .number(Double(moments.count))), ("algorithm_mode", .string(hp.mode.rawValue)), ("passes", .number(Double(passesRun))),
            ("explained_variance", .array(variances.map { .number($0) })), ("explained_variance_ratio", .number(ratio)),
        ])
    }

    /// Whether no variance moved by more than the auto tolerance since the last pass.
    static func settled(_ before: [Double], _ after: [Double]) -> Bool {
        zip(before, after).allSatisfy { abs($0 - $1) <= PCAHyperparameters.autoTolerance * max(abs($1), 1e-300) }
    }

    /// Q^T (C Q): l x l.
    static func projected(_ q: [Double], _ cq: [Double], d: Int, l: Int) -> [Double] {
        var small = [Double](repeating: 0, count: l * l)
        q.withUnsafeBufferPointer { qp in
            cq.withUnsafeBufferPointer { cp in
                small.withUnsafeMutableBufferPointer { b in
                    Double.gemm(transposeA: true, transposeB: false, m: l, n: l, k: d, alpha: 1, a: qp.baseAddress!, lda: l,
                                b: cp.baseAddress!, ldb: l, beta: 0, c: b.baseAddress!, ldc: l)
                }
            }
        }
        return small
    }

    static func requireRecords(_ count: Int) throws {
        guard count >= 2 else { throw TrainingJobError(message: "the train channel holds \(count) records; PCA needs at least 2") }
    }

    static func storedValues(_ batch: FeatureBatch<Double>) -> Int {
        switch batch.storage {
        case .dense(let matrix)?: return matrix.count
        case .sparse(_, _, let values)?: return values.count * 2
        case nil: return 0
        }
    }

    /// Q of the thin QR decomposition (d x l, orthonormal columns), row-major.
    static func orthonormal(_ matrix: Tensor<Double>) throws -> [Double] {
        try Decompositions.qr(matrix).q.scalars
    }

    /// The `keep` leading eigenvectors (as rows, each signed so that its largest entry is
    /// positive) and eigenvalues of a symmetric `size x size` matrix; with a basis Q
    /// (d x size) the vectors are mapped back to Q's space.
    static func topEigenvectors(of matrix: [Double], size: Int, basis: (q: [Double], d: Int)?, keep: Int) throws -> ([Double], [Double]) {
        let (values, vectors) = try Decompositions.symmetricEigen(Tensor(shape: [size, size], scalars: matrix))
        let v = vectors.scalars
        let d = basis?.d ?? size
        var components: [Double] = []
        components.reserveCapacity(keep * d)
        var variances: [Double] = []
        for rank in 0..<keep {
            let column = size - 1 - rank
            var direction = [Double](repeating: 0, count: d)
            if let (q, _) = basis {
                for row in 0..<d {
                    var sum = 0.0
                    for inner in 0..<size { sum += q[row * size + inner] * v[inner * size + column] }
                    direction[row] = sum
                }
            } else {
                for row in 0..<d { direction[row] = v[row * size + column] }
            }
            if let largest = direction.indices.max(by: { abs(direction[$0]) < abs(direction[$1]) }), direction[largest] < 0 {
                for index in direction.indices { direction[index] = -direction[index] }
            }
            components.append(contentsOf: direction)
            variances.append(max(0, values.scalars[column]))
        }
        return (components, variances)
    }
}
