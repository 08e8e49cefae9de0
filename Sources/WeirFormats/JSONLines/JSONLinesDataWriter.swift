import WeirCore

/// Writes rows as SageMaker JSON lines: `{"features":[...],"label":[...]}` for dense rows,
/// `{"data":{"features":{"values":[...],"keys":[...],"shape":[n]}},"label":[...]}` for
/// sparse ones; missing values as null.
public final class JSONLinesDataWriter {
    public var path: String { output.path }
    private let output: TextOutput

    public init(path: String) throws(FormatError) {
        output = try TextOutput(path: path)
    }

    /// The JSON object of one row (also what `weir inspect` prints).
    public static func object(_ row: DataRow) -> JSONObject {
        var object = JSONObject()
        switch row.features {
        case .dense(let values):
            object.set("features", .array(values.map(JSONValue.number)))
        case .sparse(let indices, let values, let dimension):
            let tensor = JSONObject([("values", .array(values.map(JSONValue.number))),
                                     ("keys", .array(indices.map { .number(Double($0)) })),
                                     ("shape", .array([.number(Double(dimension))]))])
            object.set("data", .object(JSONObject([("features", .object(tensor))])))
        }
        if !row.label.isEmpty { object.set("label", .array(row.label.map(JSONValue.number))) }
        return object
    }

    public func append(_ row: DataRow) throws(FormatError) {
        try output.write(JSONWriter.bytes(of: .object(Self.object(row))) + [0x0A])
    }

    public func close() throws(FormatError) {
        try output.flush()
    }
}
