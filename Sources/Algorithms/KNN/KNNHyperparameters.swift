import WeirAlgorithm

/// k-NN's hyperparameters by SageMaker's names; index types by faiss's names as SageMaker
/// spells them (`faiss.Flat`, `faiss.IVFFlat`, `faiss.IVFPQ`) or by what they are (`exact`,
/// `inverted-file`, `inverted-file-pq`). Weir adds `faiss_index_ivf_nprobe` and `seed`.
public struct KNNHyperparameters: HyperparameterSet {
    public enum PredictorType: String, Sendable, CaseIterable {
        case classifier, regressor
    }

    public enum IndexType: String, Sendable, CaseIterable {
        /// Every sample compared (faiss.Flat).
        case flat = "faiss.Flat"
        /// Samples grouped into `faiss_index_ivf_nlists` k-means cells; a query scans the
        /// `faiss_index_ivf_nprobe` cells nearest to it (faiss.IVFFlat).
        case invertedFile = "faiss.IVFFlat"
        /// An inverted file whose points are kept as `faiss_index_pq_m` bytes each: product-
        /// quantized residuals to their cell's centroid; distances are approximate (faiss.IVFPQ).
        case productQuantized = "faiss.IVFPQ"

        static func parse(_ text: String) -> IndexType? {
            switch text.lowercased() {
            case "faiss.flat", "flat", "exact": return .flat
            case "faiss.ivfflat", "ivfflat", "inverted-file", "inverted_file": return .invertedFile
            case "faiss.ivfpq", "ivfpq", "inverted-file-pq", "inverted_file_pq": return .productQuantized
            default: return nil
            }
        }

        var isInvertedFile: Bool { self != .flat }
    }

    public enum Metric: String, Sendable, CaseIterable {
        case l2 = "L2"
        case innerProduct = "INNER_PRODUCT"
        case cosine = "COSINE"
    }

    public enum Reduction: String, Sendable, CaseIterable {
        case none
        /// A random projection with +-1 entries.
        case sign
        /// The fast Johnson-Lindenstrauss transform: random signs, a Hadamard transform, sampled coordinates.
        case fjlt
    }

    static let featureDim = HyperparameterKey<Int>.integer("feature_dim", 1...1_000_000, help: "Values per record.")
    static let k = HyperparameterKey<Int>.integer("k", 1...1_024, help: "Neighbours that vote (classifier) or are averaged (regressor).")
    static let predictorType = HyperparameterKey<PredictorType>.choice("predictor_type", help: "classifier (majority label) or regressor (mean label).")
    static let sampleSize = HyperparameterKey<Int>.integer("sample_size", 1...100_000_000,
                                                           help: "Training records kept in the index (a uniform reservoir sample).")
    static let reduction = HyperparameterKey<Reduction>.choice("dimension_reduction_type", default: Reduction.none,
                                                               help: "none, sign (random +-1 projection) or fjlt (fast JL transform).")
    static let reductionTarget = HyperparameterKey<Int>.integer("dimension_reduction_target", 0...1_000_000, default: 0,
                                                                help: "Dimensions after reduction (required with a reduction; below feature_dim).")
    static let indexType = HyperparameterKey<IndexType>.parsed("index_type", expecting: "faiss.Flat, faiss.IVFFlat or faiss.IVFPQ", default: "faiss.Flat",
                                                               help: "faiss.Flat (exact), faiss.IVFFlat (inverted file) or faiss.IVFPQ (inverted file of product-quantized codes).",
                                                               IndexType.parse)
    /// The sub-vector counts SageMaker accepts for `faiss_index_pq_m`.
    static let validQuantizerParts = [1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96]
    static let pqM = HyperparameterKey<Int?>.integerOrAuto("faiss_index_pq_m", 1...96,
                                                           help: "Code bytes per point of faiss.IVFPQ, one of \(validQuantizerParts.map(String.init).joined(separator: ", ")); a dimension that is not a multiple is zero-padded (auto: the largest at most the dimension, so one value per byte up to 96 bytes).")
    static let metric = HyperparameterKey<Metric>.choice("index_metric", default: .l2, help: "L2, INNER_PRODUCT or COSINE.")
    static let lists = HyperparameterKey<Int?>.integerOrAuto("faiss_index_ivf_nlists", 1...1_000_000,
                                                             help: "Cells of the inverted file (auto: about sqrt of the sample, at least 1).")
    static let probes = HyperparameterKey<Int?>.integerOrAuto("faiss_index_ivf_nprobe", 1...1_000_000,
                                                              help: "Cells a query scans (auto: an eighth of the cells, at least 8; Weir's addition).")
    static let miniBatchSize = HyperparameterKey<Int>.integer("mini_batch_size", 1...10_000_000, default: 5000, help: "Records read per batch.")
    static let seed = HyperparameterKey<Int>.integer("seed", 0...Int(Int32.max), default: 0, help: "Seeds sampling, projections and cells (Weir's addition).")

    public static let schema = [featureDim, k, sampleSize, reductionTarget, miniBatchSize, seed].map(\.definition)
        + [predictorType.definition, reduction.definition, indexType.definition, metric.definition, lists.definition, probes.definition,
           pqM.definition]

    public let featureDimension: Int
    public let neighbours: Int
    public let predictor: PredictorType
    public let sampleSize: Int
    public let reduction: Reduction
    public let reducedDimension: Int
    public let index: IndexType
    public let metric: Metric
    public let lists: Int?
    public let probes: Int?
    /// Code bytes per point of a faiss.IVFPQ index (0 for the other index types).
    public let quantizerParts: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(_ values: Hyperparameters) throws(HyperparameterError) {
        featureDimension = try values[Self.featureDim]
        neighbours = try values[Self.k]
        predictor = try values[Self.predictorType]
        sampleSize = try values[Self.sampleSize]
        reduction = try values[Self.reduction]
        let target = try values[Self.reductionTarget]
        index = try values[Self.indexType]
        metric = try values[Self.metric]
        lists = try values[Self.lists]
        probes = try values[Self.probes]
        batchSize = try values[Self.miniBatchSize]
        seed = UInt64(try values[Self.seed])
        if reduction == .none {
            reducedDimension = featureDimension
        } else {
            guard target > 0 && target < featureDimension else {
                throw HyperparameterError(name: "dimension_reduction_target", value: String(target),
                                          message: "with dimension_reduction_type \(reduction.rawValue), expected 1...\(featureDimension - 1) (below feature_dim)")
            }
            reducedDimension = target
        }
        guard DimensionReducer.fits(kind: reduction, input: featureDimension, target: reducedDimension) else {
            throw HyperparameterError(name: "dimension_reduction_target", value: String(target),
                                      message: "a sign projection of \(featureDimension) x \(target) is over \(DimensionReducer.maximumMatrixValues) values; use fjlt or a smaller target")
        }
        guard neighbours <= sampleSize else {
            throw HyperparameterError(name: "k", value: String(neighbours), message: "must be at most sample_size (\(sampleSize))")
        }
        let parts = try values[Self.pqM]
        if index == .productQuantized {
            if let parts, !Self.validQuantizerParts.contains(parts) {
                throw HyperparameterError(name: "faiss_index_pq_m", value: String(parts),
                                          message: "expected one of \(Self.validQuantizerParts.map(String.init).joined(separator: ", "))")
            }
            guard metric == .l2 else {
                throw HyperparameterError(name: "index_metric", value: metric.rawValue, message: "faiss.IVFPQ measures L2 only; use faiss.IVFFlat for \(metric.rawValue)")
            }
            let reduced = reducedDimension
            quantizerParts = parts ?? Self.validQuantizerParts.last { $0 <= reduced } ?? 1
        } else {
            quantizerParts = 0
        }
        let (cells, overflow) = sampleSize.multipliedReportingOverflow(by: max(reducedDimension, quantizerParts))
        guard !overflow, cells <= 2_000_000_000 else {
            throw HyperparameterError(name: "sample_size", value: String(sampleSize), message: "sample_size x dimensions is over 2,000,000,000 values")
        }
    }
}
