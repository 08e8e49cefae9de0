import WeirAlgorithm
import WeirCore

/// A data set's profile: per feature and label column, the count of values, missing
/// values, mean, standard deviation, minimum and maximum. The `statistics` algorithm's
/// model; a baseline later data is compared against.
public struct StatisticsProfile: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var count: Int
        public var missing: Int
        public var mean: Double
        public var standardDeviation: Double
        public var minimum: Double
        public var maximum: Double

        var json: JSONValue {
            .object(JSONObject([("count", .number(Double(count))), ("missing", .number(Double(missing))), ("mean", .number(mean)),
                                ("std", .number(standardDeviation)), ("min", .number(minimum)), ("max", .number(maximum))]))
        }

        /// Whether the values are what `count` allows: finite where there are values to
        /// describe (a standard deviation needs two).
        var isConsistent: Bool {
            count >= 0 && missing >= 0 && (count == 0 || (mean.isFinite && minimum.isFinite && maximum.isFinite && minimum <= maximum))
                && (count < 2 || standardDeviation.isFinite)
        }
    }

    public var records: Int
    public var features: [Column]
    public var labels: [Column]

    public init(records: Int, features: [Column], labels: [Column]) {
        self.records = records
        self.features = features
        self.labels = labels
    }

    /// The profile as `statistics.json` shows it.
    public var json: JSONObject {
        JSONObject([("records", .number(Double(records))), ("feature_dim", .number(Double(features.count))),
                    ("features", .array(features.map(\.json))), ("label", .array(labels.map(\.json)))])
    }
}

extension StatisticsProfile: ModelSnapshot {
    static let magic = Array("WEIRSTA1".utf8)
    /// More columns than any data set Weir reads (a guard before allocating).
    static let maximumColumns = 100_000_000

    public init(snapshot bytes: [UInt8], name: String) throws {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir statistics profile")
        let version = try reader.read(UInt32.self)
        guard version == 1 else { throw reader.error("profile format version \(version) is newer than this weir reads (1)") }
        guard let records = Int(exactly: try reader.read(UInt64.self)) else { throw reader.error("implausible record count") }
        func columns() throws -> [Column] {
            let count = Int(try reader.read(UInt64.self) & 0x7FFF_FFFF_FFFF_FFFF)
            guard count <= Self.maximumColumns, count <= reader.remaining / 48 else { throw reader.error("implausible column count \(count)") }
            return try (0..<count).map { _ in
                let column = Column(count: Int(truncatingIfNeeded: try reader.read(Int64.self)), missing: Int(truncatingIfNeeded: try reader.read(Int64.self)),
                                    mean: try reader.readDouble(), standardDeviation: try reader.readDouble(),
                                    minimum: try reader.readDouble(), maximum: try reader.readDouble())
                guard column.isConsistent else { throw ModelSnapshotError(name: name, "a column holds non-finite or inconsistent values") }
                return column
            }
        }
        self.records = records
        features = try columns()
        labels = try columns()
        try reader.expectEnd()
    }

    public func snapshot() -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + 48 * (features.count + labels.count))
        writer.append(raw: Self.magic)
        writer.write(UInt32(1))
        writer.write(UInt64(records))
        for group in [features, labels] {
            writer.write(UInt64(group.count))
            for column in group {
                writer.write(Int64(column.count))
                writer.write(Int64(column.missing))
                for value in [column.mean, column.standardDeviation, column.minimum, column.maximum] { writer.write(value) }
            }
        }
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    public var inputCount: Int? { features.count }
}
