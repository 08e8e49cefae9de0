import WeirAlgorithm
import WeirCore
import WeirFormats

/// Answers requests as SageMaker's k-NN endpoint does: `{"predictions":[{"predicted_label":0.0}]}`;
/// with `verbose=True` also the neighbours' `labels` and `distances` (faiss's scores:
/// squared L2, inner product or cosine), best first.
public struct KNNPredictor: BatchPredictor {
    public static let algorithm = KNNAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    let model: KNNModel

    public init(model: KNNModel) {
        self.model = model
    }

    public func predict(_ row: DataRow) throws -> JSONObject {
        try predict(row, verbose: false)
    }

    /// One request: a batch of one, its error the record's own (a stream's `predict`
    /// operator dead-letters it naming the field).
    public func predict(_ row: DataRow, verbose: Bool) throws -> JSONObject {
        do { return try predict(batch: [row], verbose: verbose)[0] } catch let failure as BatchRecordError { throw failure.error }
    }

    /// Requests are searched 256 at a time: one matrix product per block of the sample for all of them.
    public static var preferredBatchSize: Int { 256 }

    public func predict(batch rows: [DataRow], verbose: Bool) throws -> [JSONObject] {
        var records: [[Float]] = []
        records.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() { records.append(try values(of: row, at: index)) }
        return model.neighbours(ofBatch: records).map { found in
            var response = JSONObject([("predicted_label", .number(model.predictedLabel(found.points)))])
            if verbose {
                response.set("labels", .array(found.points.map { .number(Double(model.labels[$0])) }))
                response.set("distances", .array(found.scores.map { .number(Double($0)) }))
            }
            return response
        }
    }

    /// A request's values, checked against the model's width; a bad one names its place in the batch.
    private func values(of row: DataRow, at index: Int) throws(BatchRecordError) -> [Float] {
        do { return try row.features.checkedValues(dimension: model.inputDimension, asFloat: true).map { Float($0) } } catch {
            throw BatchRecordError(index: index, error: error)
        }
    }
}
