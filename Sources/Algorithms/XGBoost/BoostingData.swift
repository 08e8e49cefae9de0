import Foundation
import WeirAlgorithm
import WeirFormats

/// Labelled records for boosting, held as compressed sparse rows of Float values where a
/// missing value (an empty CSV field, NaN, or an index a libsvm or RecordIO record does
/// not carry) is simply absent, as in xgboost's DMatrix. Each record may carry a weight.
/// libsvm indices are the features themselves, as xgboost and SageMaker's container read
/// them (a 1-based file leaves feature 0 empty).
struct BoostingData: Sendable {
    var rowStarts: [Int] = [0]
    /// Each value's feature; empty while every record is dense and complete (then value
    /// `e` is feature `e % featureCount`), which saves four bytes per value.
    private(set) var columns: [UInt32] = []
    var values: [Float] = []
    /// Whether every record so far is dense with no missing value.
    private(set) var dense = true
    var labels: [Float] = []
    var weights: [Float]?
    /// Features: the widest record (dense records all have it).
    var featureCount = 0
    /// Query groups (libsvm `qid`: a group per run of records with the same id), as
    /// boundaries `0, ..., rows`; nil when the records carry none.
    var groupStarts: [Int]?
    /// One weight per query group, from the records' weights (equal within a group).
    var groupWeights: [Float]?

    var rows: Int { labels.count }

    /// The most features a record may have: bins and histograms are sized by it.
    static let maximumFeatures = 10_000_000

    /// Reads every record of a channel, checking labels against the objective, weights
    /// (`csv_weights`: the CSV column after the label) and values (NaN is missing; an
    /// infinity is refused, naming its file, record and field).
    static func read(_ channel: TrainingChannel, objective: BoostingObjective, metrics: [EvaluationMetric] = [],
                     csvWeights: Bool) throws -> BoostingData {
        var data = BoostingData()
        var denseWidth: Int?
        var weights: [Float] = []
        var groupStarts: [Int] = []
        var lastQuery: Int?
        for file in try channel.sources(epoch: 0) {
            let format = try channel.format(of: channel.config.inputMode == .pipe && channel.config.contentType == nil ? channel.path : file)
            var options = channel.readOptions
            options.libsvmZeroBased = true
            let source = try DataRowSource(path: file, format: format, options: options)
            var record: Int64 = 0
            while let row = try source.next() {
                record += 1
                func fail(_ field: String, _ message: String) -> FormatError {
                    FormatError(input: file, .record(record), field: field, message)
                }
                guard let rawLabel = row.label.first else {
                    throw fail("label", "is missing; XGBoost trains on labelled records (CSV: label first)")
                }
                guard abs(rawLabel) <= Double(Float.greatestFiniteMagnitude) else {
                    throw fail("label", "is \(rawLabel); expected a finite number within Float's range")
                }
                let label = Float(rawLabel)
                if let problem = objective.labelProblem(label) { throw fail("label", problem) }
                for metric in metrics { if let problem = metric.labelProblem(label) { throw fail("label", problem) } }
                let query = source.queryID
                if (query == nil) != (lastQuery == nil) && data.rows > 0 {
                    throw fail("qid", query == nil ? "is missing; earlier records carry query ids" : "is \(query ?? 0); earlier records carry no query id")
                }
                if let query, query != lastQuery || data.rows == 0 { groupStarts.append(data.rows) }
                lastQuery = query
                var skipFirst = false
                if csvWeights && format == .csv {
                    guard case .dense(let dense) = row.features, let weight = dense.first else {
                        throw fail("weight", "is missing; csv_weights=1 takes the instance weight in the column after the label")
                    }
                    guard weight >= 0, weight <= Double(Float.greatestFiniteMagnitude) else {
                        throw fail("weight", "is \(weight); expected a non-negative finite number")
                    }
                    weights.append(Float(weight))
                    skipFirst = true
                }
                switch row.features {
                case .dense(let dense):
                    let width = dense.count - (skipFirst ? 1 : 0)
                    if let expected = denseWidth, expected != width {
                        throw fail("features", "has \(width) values; earlier records have \(expected)")
                    }
                    guard width <= maximumFeatures else { throw fail("features", "has \(width) values; at most \(maximumFeatures)") }
                    denseWidth = width
                    data.featureCount = max(data.featureCount, width)
                    let offset = skipFirst ? 1 : 0
                    for (column, value) in dense.enumerated().dropFirst(offset) where !(abs(value) <= Double(Float.greatestFiniteMagnitude)) && !value.isNaN {
                        throw fail("features[\(column - offset)]", "is \(value); expected a finite number or missing (empty, NaN)")
                    }
                    if data.dense && !dense.dropFirst(offset).contains(where: \.isNaN) {
                        data.values.append(contentsOf: dense.dropFirst(offset).lazy.map(Float.init))
                    } else {
                        data.becomeSparse()
                        for (column, value) in dense.enumerated().dropFirst(offset) where !value.isNaN {
                            data.columns.append(UInt32(column - offset))
                            data.values.append(Float(value))
                        }
                    }
                case .sparse(let indices, let sparse, let dimension):
                    guard dimension <= maximumFeatures else { throw fail("features", "has \(dimension) values; at most \(maximumFeatures)") }
                    data.becomeSparse()
                    data.featureCount = max(data.featureCount, dimension)
                    for (index, value) in zip(indices, sparse) where !value.isNaN {
                        guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                            throw fail("features[\(index)]", "is \(value); expected a finite number or missing")
                        }
                        data.columns.append(UInt32(index))
                        data.values.append(Float(value))
                    }
                }
                data.rowStarts.append(data.values.count)
                data.labels.append(label)
            }
        }
        if csvWeights && !weights.isEmpty { data.weights = weights }
        if !groupStarts.isEmpty { data.groupStarts = groupStarts + [data.rows] }
        if objective.kind.isRanking || metrics.contains(where: \.kind.isRanking), let weights = data.weights {
            data.groupWeights = try groupWeights(weights, starts: data.groupStarts ?? [0, data.rows], channel: channel.config.name)
        }
        return data
    }

    /// Ranking weighs query groups, not records: each group's records must share one weight.
    static func groupWeights(_ weights: [Float], starts: [Int], channel: String) throws -> [Float] {
        var result: [Float] = []
        for group in 0..<(starts.count - 1) where starts[group] < starts[group + 1] {
            let range = starts[group]..<starts[group + 1]
            let first = weights[range.lowerBound]
            if let other = weights[range].first(where: { $0 != first }) {
                throw TrainingJobError(message: "\(channel): query group \(group) (records \(range.lowerBound + 1)...\(range.upperBound)) has weights \(first) and \(other); ranking weighs whole groups, so a group's records need one weight")
            }
            result.append(first)
        }
        return result
    }

    /// Leaves the dense form: every value read so far gets its feature.
    mutating func becomeSparse() {
        guard dense else { return }
        dense = false
        columns.reserveCapacity(values.count)
        let width = max(featureCount, 1)
        for entry in 0..<values.count { columns.append(UInt32(entry % width)) }
    }

    /// Records whose every feature is present, in order (dense data without missing values).
    var isComplete: Bool { dense || columns.count == rows * featureCount }

    /// The feature of value `entry`.
    @inline(__always)
    func column(_ entry: Int) -> Int { dense ? entry % featureCount : Int(columns[entry]) }

    /// Per feature: whether some record lacks it.
    var featuresWithMissingValues: [Bool] {
        if isComplete { return Array(repeating: false, count: featureCount) }
        var counts = [Int](repeating: 0, count: featureCount)
        for column in columns { counts[Int(column)] += 1 }
        return counts.map { $0 < rows }
    }

    /// The value of `feature` in `row`, or nil when missing.
    func value(row: Int, feature: Int) -> Float? {
        let start = rowStarts[row], end = rowStarts[row + 1]
        if end - start == featureCount { return values[start + feature] }
        var low = start, high = end
        while low < high {
            let middle = (low + high) / 2
            if Int(columns[middle]) < feature { low = middle + 1 } else { high = middle }
        }
        return low < end && Int(columns[low]) == feature ? values[low] : nil
    }

    /// The record's values with NaN for missing ones, `width` wide.
    func denseRow(_ row: Int, width: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: width)
        for entry in rowStarts[row]..<rowStarts[row + 1] where column(entry) < width {
            out[column(entry)] = values[entry]
        }
        return out
    }
}
