import WeirCore

/// Keeps the listed fields (in that order; missing ones are skipped) and renames fields.
/// With no field list, every field is kept and only the renames apply.
public final class ProjectOperator: StreamOperator {
    public let name = "project"
    let keep: [String]
    let renames: [(from: String, to: String)]

    public init(keep: [String], rename: [(String, String)]) {
        self.keep = keep
        self.renames = rename.map { (from: $0.0, to: $0.1) }
    }

    public func process(_ event: consuming Event, into output: inout [Event]) throws(RecordError) {
        var result = consume event
        if !keep.isEmpty {
            // Rearranged in place: the event is ours, so its field storage is reused and
            // values are moved rather than copied.
            let keptCount = result.fields.fields.withUnsafeMutableBufferPointer { fields -> Int in
                var kept = 0
                for name in keep {
                    var index = kept
                    while index < fields.count, fields[index].key != name { index += 1 }
                    guard index < fields.count else { continue }
                    fields.swapAt(kept, index)
                    kept += 1
                }
                return kept
            }
            result.fields.fields.removeLast(result.fields.fields.count - keptCount)
        }
        for rename in renames {
            if let index = result.fields.fields.firstIndex(where: { $0.key == rename.from }) {
                result.fields.fields[index].key = rename.to
            }
        }
        output.append(result)
    }
}
