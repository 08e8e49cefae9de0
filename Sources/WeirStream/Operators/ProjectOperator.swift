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

    public func process(_ event: Event, into output: inout [Event]) throws(RecordError) {
        var result = event
        if !keep.isEmpty {
            var fields: [(key: String, value: JSONValue)] = []
            fields.reserveCapacity(keep.count)
            for name in keep {
                if let value = event.fields[name] { fields.append((name, value)) }
            }
            result.fields = JSONObject(fields)
        }
        for rename in renames {
            if let index = result.fields.fields.firstIndex(where: { $0.key == rename.from }) {
                result.fields.fields[index].key = rename.to
            }
        }
        output.append(result)
    }
}
