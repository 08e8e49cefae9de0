import Foundation
import WeirAlgorithm
import WeirCore
import WeirFormats
import WeirKMeans
import WeirMath

/// `weir train knn`: SageMaker's k-NN. One pass keeps a uniform reservoir sample of
/// `sample_size` labelled records (reduced to `dimension_reduction_target` dimensions by
/// `sign` or `fjlt` when asked), then builds the index: flat (exact) or an inverted file of
/// k-means cells. A `test` channel reports `accuracy` (classifier) or `mse` (regressor). A
/// leave-one-out pass over up to 2,000 sample points calibrates the k-th-neighbour novelty
/// score for streams.
public enum KNNAlgorithm: Servable {
    public typealias Model = KNNModel

    public static let info = AlgorithmInfo(
        name: "knn", aliases: ["k-nn"], summary: "k-nearest-neighbour classification and regression (exact or inverted-file index).",
        optionalChannels: ["test"], trainingContentTypes: ["text/csv", "application/x-recordio-protobuf", "application/jsonlines", "text/libsvm"],
        modelFile: "model.knn", streamOperator: "knn", preferredBLASThreads: 1)

    public static func predictor(for model: KNNModel) throws -> KNNPredictor { KNNPredictor(model: model) }

    public static func train(_ hp: KNNHyperparameters, context: TrainingContext) throws -> TrainedModel<KNNModel> {
        let train = try context.channel("train")
        let reader = FeatureBatchReader(channel: train, dimension: hp.featureDimension, batchSize: hp.batchSize)
        let reducer = DimensionReducer(kind: hp.reduction, input: hp.featureDimension, target: hp.reducedDimension, seed: hp.seed)
        var random = RandomSource(seed: hp.seed &+ 1)
        var points: [Float] = []
        var labels: [Float] = []
        var offered = 0
        let start = ContinuousClock.now
        let seen = try reader.forEachRow(epoch: 0, hostIndex: context.hostIndex, hostCount: context.hostCount) { row, file, record in
            guard let label = row.label.first, label.isFinite, abs(label) <= Double(Float.greatestFiniteMagnitude) else {
                throw FormatError(input: file, .record(record), field: "label", "expected a finite label (k-NN trains on labelled records: CSV label first)")
            }
            // Algorithm R: the n-th record replaces a random slot with probability size / n.
            offered += 1
            let slot = labels.count < hp.sampleSize ? labels.count : random.uniformInt(below: offered)
            guard slot < hp.sampleSize else { return }
            let reduced = reducer.reduce(row.features.denseValues(width: hp.featureDimension).map { Float($0) })
            if slot == labels.count {
                points.append(contentsOf: reduced)
                labels.append(Float(label))
            } else {
                points.replaceSubrange((slot * hp.reducedDimension)..<((slot + 1) * hp.reducedDimension), with: reduced)
                labels[slot] = Float(label)
            }
        }
        guard labels.count >= hp.neighbours else {
            throw TrainingJobError(message: "the train channel holds \(labels.count) records; k=\(hp.neighbours) needs at least as many")
        }
        let elapsed = max((ContinuousClock.now - start).seconds, 1e-9)
        context.metrics.throughput(channel: "train", recordsPerSecond: Double(seen) / elapsed)
        let d = hp.reducedDimension
        if hp.metric == .cosine { NeighbourIndex.normalise(&points, dimension: d) }
        var centroids: [Float] = []
        var assignment: [Int] = []
        var probes = 1
        var quantizer: ProductQuantizer? = nil
        if hp.index.isInvertedFile {
            let lists = min(labels.count, hp.lists ?? max(1, Int(Double(labels.count).squareRoot())))
            (centroids, assignment) = cells(points, dimension: d, lists: lists, random: &random)
            probes = hp.probes ?? max(8, lists / 8)
        }
        if hp.index == .productQuantized {
            var residuals = points
            for (point, cell) in assignment.enumerated() {
                for column in 0..<d { residuals[point * d + column] -= centroids[cell * d + column] }
            }
            quantizer = ProductQuantizer.train(residuals, count: labels.count, dimension: d, parts: hp.quantizerParts, random: &random)
        }
        let index = NeighbourIndex(vectors: points, dimension: d, metric: hp.metric, centroids: centroids, assignment: assignment,
                                   probes: probes, quantizer: quantizer)
        var model = KNNModel(inputDimension: hp.featureDimension, predictorType: hp.predictor, neighbours: hp.neighbours, reducer: reducer,
                             index: index, labels: labels, assignment: assignment.map { Int32($0) }, calibration: nil)
        // Leave-one-out novelty scores of up to 2,000 sample points, searched in batches.
        let left = Array(random.permutation(labels.count).prefix(2_000))
        var scores: [Float] = []
        for first in stride(from: 0, to: left.count, by: 256) {
            let chosen = Array(left[first..<min(first + 256, left.count)])
            var queries: [Float] = []
            for point in chosen { queries.append(contentsOf: points[(point * d)..<((point + 1) * d)]) }
            for found in index.search(batch: queries, k: hp.neighbours, excluding: chosen) {
                scores.append(Float(model.novelty(ofScores: found.scores)))
            }
        }
        model = KNNModel(inputDimension: model.inputDimension, predictorType: model.predictorType, neighbours: model.neighbours, reducer: reducer,
                         index: index, labels: labels, assignment: model.assignment, calibration: NoveltyCalibration(scores: scores))
        var metadata: [(String, JSONValue)] = [("k", .number(Double(hp.neighbours))), ("feature_dim", .number(Double(hp.featureDimension))),
                                               ("records", .number(Double(seen))), ("sample_size", .number(Double(labels.count))),
                                               ("index_type", .string(hp.index.rawValue)), ("index_metric", .string(hp.metric.rawValue)),
                                               ("predictor_type", .string(hp.predictor.rawValue))]
        if hp.index.isInvertedFile {
            metadata += [("faiss_index_ivf_nlists", .number(Double(index.lists))), ("faiss_index_ivf_nprobe", .number(Double(index.probes)))]
        }
        if let quantizer { metadata.append(("faiss_index_pq_m", .number(Double(quantizer.parts)))) }
        if let test = context.channels["test"] {
            let (name, value) = try evaluate(model, on: test, hp: hp)
            context.metrics.quality(channel: "test", metric: name, kind: hp.predictor == .classifier ? "score" : "loss", value: value)
            metadata.append(("test_\(name)", .number(value)))
        }
        return TrainedModel(model: model, metadata: metadata)
    }

    /// k-means cells for the inverted file: Lloyd iterations from random sample points.
    static func cells(_ points: [Float], dimension: Int, lists: Int, random: inout RandomSource) -> ([Float], [Int]) {
        let count = points.count / dimension
        let batch = FeatureBatch<Float>(rows: points, dimension: dimension)
        var centroids: [Float] = []
        for point in random.permutation(count).prefix(lists) { centroids.append(contentsOf: points[(point * dimension)..<((point + 1) * dimension)]) }
        var assignment = [Int](repeating: 0, count: count)
        for _ in 0..<10 {
            assignment = CentreIndex(centres: centroids, count: lists, dimension: dimension).assign(batch).centre
            var sums = [Float](repeating: 0, count: lists * dimension)
            var sizes = [Int](repeating: 0, count: lists)
            for (point, cell) in assignment.enumerated() {
                sizes[cell] += 1
                for column in 0..<dimension { sums[cell * dimension + column] += points[point * dimension + column] }
            }
            for cell in 0..<lists where sizes[cell] > 0 {
                for column in 0..<dimension { centroids[cell * dimension + column] = sums[cell * dimension + column] / Float(sizes[cell]) }
            }
        }
        return (centroids, assignment)
    }

    /// Test accuracy (classifier) or mean squared error (regressor) over a channel, its
    /// records searched in batches of 256.
    static func evaluate(_ model: KNNModel, on channel: TrainingChannel, hp: KNNHyperparameters) throws -> (String, Double) {
        var correct = 0, count = 0
        var squared = 0.0
        var pending: [([Float], Double)] = []
        func flush() {
            for (found, (_, label)) in zip(model.neighbours(ofBatch: pending.map(\.0)), pending) {
                let predicted = model.predictedLabel(found.points)
                if predicted == Double(Float(label)) { correct += 1 }
                squared += (predicted - label) * (predicted - label)
                count += 1
            }
            pending.removeAll(keepingCapacity: true)
        }
        try FeatureBatchReader(channel: channel, dimension: hp.featureDimension, batchSize: hp.batchSize).forEachRow(epoch: 0) { row, file, record in
            guard let label = row.label.first, label.isFinite else {
                throw FormatError(input: file, .record(record), field: "label", "expected a finite label in the test channel")
            }
            pending.append((row.features.denseValues(width: hp.featureDimension).map { Float($0) }, label))
            if pending.count == 256 { flush() }
        }
        flush()
        guard count > 0 else { throw TrainingJobError(message: "the test channel holds no records") }
        return hp.predictor == .classifier ? ("accuracy", Double(correct) / Double(count)) : ("mse", squared / Double(count))
    }
}
