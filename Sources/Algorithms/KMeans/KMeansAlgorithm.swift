import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirMath

/// `weir train kmeans`: SageMaker's web-scale K-Means. Mini-batch k-means (`epochs` passes)
/// keeps `k x extra_center_factor` centres, each weighted by the points it absorbed; a
/// local, weighted Lloyd's step then reduces them to `k` (the best of
/// `local_lloyd_num_trials`). Memory follows the mini-batch and the centres, never the
/// data, so a file larger than memory trains in File or Pipe mode. A sample of training
/// records calibrates distances for novelty thresholds in streams; a `test` channel gets
/// `msd` / `ssd` as SageMaker reports them.
public enum KMeansAlgorithm: Servable {
    public typealias Model = KMeansModel

    public static let info = AlgorithmInfo(
        name: "kmeans", aliases: ["k-means"], summary: "Cluster records into k groups (web-scale mini-batch k-means with a local Lloyd's reduction).",
        optionalChannels: ["test"], trainingContentTypes: ["text/csv", "application/x-recordio-protobuf", "application/jsonlines", "text/libsvm"],
        modelFile: "model.kmeans", streamOperator: "kmeans", preferredBLASThreads: 1)

    public static func predictor(for model: KMeansModel) throws -> KMeansPredictor { KMeansPredictor(model: model) }

    public static func train(_ hp: KMeansHyperparameters, context: TrainingContext) throws -> TrainedModel<KMeansModel> {
        let train = try context.channel("train")
        let reader = FeatureBatchReader(channel: train, dimension: hp.featureDimension, batchSize: hp.batchSize)
        var random = RandomSource(seed: hp.seed)
        var reservoir = RowReservoir(seed: hp.seed &+ 1)
        var stage: OnlineCentres?
        var pending = FeatureBatch<Float>(dimension: hp.featureDimension)
        let start = ContinuousClock.now
        var records = 0
        var read = 0
        for epoch in 0..<hp.epochs {
            var lossSum = 0.0
            let rows = try reader.forEachBatch(epoch: epoch, hostIndex: context.hostIndex, hostCount: context.hostCount, as: Float.self,
                                               row: { if epoch == 0 { reservoir.offer($0) } }) { batch in
                read += batch.count
                let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
                let fraction = records > 0 ? min(1, Double(read - epoch * records) / Double(records)) : 0
                context.metrics.progressBar(epoch: epoch, of: hp.epochs, fraction: fraction, loss: nil, recordsPerSecond: Double(read) / elapsed)
                if stage == nil {
                    // The first centres come from the first max(mini_batch_size, K) records.
                    for position in 0..<batch.count { pending.append(Self.row(batch, position)) }
                    guard pending.count >= hp.stageCentres else { return }
                    stage = Self.initialCentres(pending, hp: hp, random: &random)
                    lossSum += stage!.learn(pending)
                    pending.removeAll()
                } else {
                    lossSum += stage!.learn(batch)
                }
            }
            if epoch == 0 {
                records = rows
                guard rows >= hp.clusters else {
                    throw TrainingJobError(message: "the train channel holds \(rows) records; k=\(hp.clusters) needs at least as many")
                }
                if stage == nil {
                    // Fewer records than stage centres: every record starts a centre.
                    stage = Self.initialCentres(pending, hp: hp, random: &random)
                    lossSum += stage!.learn(pending)
                    pending.removeAll()
                }
            }
            context.metrics.quality(channel: "train", metric: "msd", kind: "loss", value: lossSum / Double(max(rows, 1)), epoch: epoch)
            context.metrics.progress(completedEpochs: epoch + 1, of: hp.epochs)
        }
        context.metrics.endProgressBar()
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(read) / elapsed)
        guard let stage else { throw TrainingJobError(message: "the train channel holds no records") }

        let (centres, iterations) = reduce(stage, hp: hp, random: &random)
        let finalIndex = CentreIndex(centres: centres, count: hp.clusters, dimension: hp.featureDimension)
        let weights = clusterWeights(of: stage, in: finalIndex)
        var sample = FeatureBatch<Float>(dimension: hp.featureDimension)
        for row in reservoir.rows { sample.append(row) }
        let sampleDistances = finalIndex.assign(sample).squaredDistance
        let calibration = NoveltyCalibration(scores: sampleDistances.map { Float($0.squareRoot()) })
        let sampleMSD = sampleDistances.reduce(0, +) / Double(max(sampleDistances.count, 1))
        context.metrics.quality(channel: "train", metric: "msd_of_sample", kind: "loss", value: sampleMSD)
        let model = KMeansModel(dimension: hp.featureDimension, centres: centres, weights: weights, trainingRecords: records, calibration: calibration)

        var metadata: [(String, JSONValue)] = [
            ("k", .number(Double(hp.clusters))), ("feature_dim", .number(Double(hp.featureDimension))),
            ("records", .number(Double(records))), ("stage_centres", .number(Double(stage.count))),
            ("local_lloyd_iterations", .number(Double(iterations))), ("train_sample_msd", .number(sampleMSD)),
        ]
        if let test = context.channels["test"] {
            let scores = try evaluate(model, on: test, hp: hp)
            for metric in hp.evalMetrics {
                let value = metric == .msd ? scores.sum / Double(max(scores.rows, 1)) : scores.sum
                context.metrics.quality(channel: "test", metric: metric.rawValue, kind: "loss", value: value)
                metadata.append(("test_\(metric.rawValue)", .number(value)))
            }
        }
        return TrainedModel(model: model, metadata: metadata)
    }

    static func row(_ batch: FeatureBatch<Float>, _ position: Int) -> FeatureVector {
        var values = [Double](repeating: 0, count: batch.dimension)
        batch.forEachEntry(ofRow: position) { column, value in values[column] = Double(value) }
        return .dense(values)
    }

    /// The stage's first centres from the first records: `init_method` random picks
    /// distinct records, kmeans++ spreads them (one candidate per centre).
    static func initialCentres(_ rows: FeatureBatch<Float>, hp: KMeansHyperparameters, random: inout RandomSource) -> OnlineCentres {
        let count = min(hp.stageCentres, rows.count)
        let points = rows.denseMatrix.map(Double.init)
        let lloyd = LocalLloyd(points: points, weights: [Double](repeating: 1, count: rows.count), dimension: rows.dimension)
        let chosen = hp.initMethod == .random ? lloyd.randomCentres(count, &random) : lloyd.plusPlus(count, &random, greedy: false)
        return OnlineCentres(centres: chosen.map { Float($0) }, counts: [Double](repeating: 0, count: count),
                             dimension: rows.dimension, halfLife: hp.halfLifeTimeSize)
    }

    /// The local Lloyd's step over the stage's centres that absorbed points.
    static func reduce(_ stage: OnlineCentres, hp: KMeansHyperparameters, random: inout RandomSource) -> (centres: [Float], iterations: Int) {
        let d = hp.featureDimension
        var points: [Double] = []
        var weights: [Double] = []
        for centre in 0..<stage.count where stage.counts[centre] > 0 {
            points.append(contentsOf: stage.centres[(centre * d)..<((centre + 1) * d)].map(Double.init))
            weights.append(stage.counts[centre])
        }
        guard weights.count > hp.clusters else {
            // No more weighted centres than k: they are the model (repeated to fill k).
            var centres = points
            while centres.count < hp.clusters * d { centres.append(contentsOf: points[0..<d]) }
            return (centres.map { Float($0) }, 0)
        }
        let lloyd = LocalLloyd(points: points, weights: weights, dimension: d)
        let result = lloyd.best(k: hp.clusters, trials: hp.localTrials, initialisation: hp.localInitMethod,
                                maxIterations: hp.localMaxIterations, tolerance: hp.localTolerance, random: &random)
        return (result.centres.map { Float($0) }, result.iterations)
    }

    /// The weight of points behind each final centre: the stage centres it gathers.
    static func clusterWeights(of stage: OnlineCentres, in index: CentreIndex) -> [Double] {
        var batch = FeatureBatch<Float>(dimension: stage.dimension)
        let d = stage.dimension
        for centre in 0..<stage.count {
            batch.append(.dense(stage.centres[(centre * d)..<((centre + 1) * d)].map(Double.init)))
        }
        var weights = [Double](repeating: 0, count: index.count)
        for (position, cluster) in index.assign(batch).centre.enumerated() { weights[cluster] += stage.counts[position] }
        return weights
    }

    /// The summed squared distance of a channel's records to their closest centre.
    static func evaluate(_ model: KMeansModel, on channel: TrainingChannel, hp: KMeansHyperparameters) throws -> (sum: Double, rows: Int) {
        let index = model.index
        var sum = 0.0
        let rows = try FeatureBatchReader(channel: channel, dimension: hp.featureDimension, batchSize: hp.batchSize)
            .forEachBatch(epoch: 0, as: Float.self) { batch in sum += index.assign(batch).squaredDistance.reduce(0, +) }
        return (sum, rows)
    }
}
