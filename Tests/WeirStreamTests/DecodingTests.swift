import Testing
import WeirCore
import WeirFormats
@testable import WeirStream

struct DecodingTests {
    func record(_ text: String, offset: Int64 = 1) -> RawRecord {
        RawRecord(key: nil, value: Array(text.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: offset))
    }

    @Test func csvHandlesQuotesEmptyCellsAndNumbers() throws {
        let decoder = CSVRecordDecoder(columns: ["a", "b", "c", "d"], header: false)
        let event = try #require(try decoder.decode(record(#""x, ""y""",1.5,,-2e3"#)))
        #expect(event.fields["a"] == .string(#"x, "y""#))
        #expect(event.fields["b"] == .number(1.5))
        #expect(event.fields["c"] == .null)
        #expect(event.fields["d"] == .number(-2000))
        #expect(throws: RecordError.self) { try decoder.decode(record("1,2,3")) }
        #expect(throws: RecordError.self) { try decoder.decode(record(#""open,1,2,3"#)) }
    }

    @Test func csvHeaderNamesColumnsAndYieldsNoEvent() throws {
        let decoder = CSVRecordDecoder(columns: [], header: true)
        #expect(try decoder.decode(record("host,value\r")) == nil)
        let event = try #require(try decoder.decode(record("h1,3\r", offset: 2)))
        #expect(event.fields.keys == ["host", "value"])
        #expect(event.fields["value"] == .number(3))
    }

    @Test func jsonDecoderRejectsNonObjectsWithTheReason() {
        let decoder = JSONRecordDecoder()
        do {
            _ = try decoder.decode(record("[1,2]"))
            Issue.record("expected an error")
        } catch {
            #expect(error.stage == .decode)
            #expect(error.message.contains("expected a JSON object, found an array"))
        }
    }

    @Test func schemaBuildsFeaturesAndKey() throws {
        var event = try #require(try JSONRecordDecoder().decode(record(#"{"id":"m-1","x":1.5,"y":null,"z":"NaN"}"#)))
        try FeatureExtractor(SchemaSpec(key: "id", features: ["x", "y", "z", "w"])).apply(to: &event)
        #expect(event.key == Array("m-1".utf8))
        #expect(event.features[0] == 1.5)
        #expect(event.features[1...].allSatisfy { $0.isNaN })
    }

    @Test func schemaRejectsWrongTypesAndForbiddenMissingValues() throws {
        let strict = FeatureExtractor(SchemaSpec(features: ["x"], missing: .reject))
        var wrongType = try #require(try JSONRecordDecoder().decode(record(#"{"x":"hot"}"#)))
        #expect(throws: RecordError(.schema, field: "x", "expected a number, found a string")) {
            try strict.apply(to: &wrongType)
        }
        var missing = try #require(try JSONRecordDecoder().decode(record(#"{"y":1}"#)))
        #expect(throws: RecordError.self) { try strict.apply(to: &missing) }
    }

    @Test func eventTimeAcceptsSecondsMillisecondsAndISO8601() throws {
        #expect(try EventTime.milliseconds(of: .number(1_714_564_800), field: "ts") == 1_714_564_800_000)
        #expect(try EventTime.milliseconds(of: .number(1_714_564_800_123), field: "ts") == 1_714_564_800_123)
        #expect(try EventTime.milliseconds(of: .string("2024-05-01T12:00:00Z"), field: "ts") == 1_714_564_800_000)
        #expect(throws: RecordError.self) { try EventTime.milliseconds(of: .string("noon"), field: "ts") }
    }

    /// Times no calendar holds are an error for the record (they trapped the conversion).
    @Test(arguments: [1e300, -1e300, 9e18, -9e18, 1e17, 253_402_300_800_000, -62_135_596_800_001])
    func eventTimesOutsideYearsOneTo9999AreRecordErrors(value: Double) throws {
        #expect(throws: RecordError.self) { try EventTime.milliseconds(of: .number(value), field: "ts") }
        #expect(throws: RecordError.self) { try EventTime.milliseconds(of: .string(NumberText.format(value)), field: "ts") }
        do {
            _ = try EventTime.milliseconds(of: .number(value), field: "ts")
        } catch {
            #expect(error.field == "ts" && "\(error)".contains("outside years 1 to 9999"), "\(error)")
        }
        #expect(try EventTime.milliseconds(of: .number(253_402_300_799_999), field: "ts") == 253_402_300_799_999)
        #expect(try EventTime.milliseconds(of: .number(-62_135_596_800), field: "ts") == -62_135_596_800_000)
    }

    @Test func operatorsFilterProjectAndKey() throws {
        let event = try #require(try JSONRecordDecoder().decode(record(#"{"host":"a","v":3,"extra":true}"#)))
        var out: [Event] = []
        try FilterOperator(FilterCondition(field: "v", comparison: .greater, value: .number(5))).process(event, into: &out)
        #expect(out.isEmpty)
        try FilterOperator(FilterCondition(field: "v", comparison: .lessOrEqual, value: .number(3))).process(event, into: &out)
        #expect(out.count == 1)
        out = []
        try ProjectOperator(keep: ["v", "host"], rename: [("v", "value")]).process(event, into: &out)
        #expect(out[0].fields.keys == ["value", "host"])
        out = []
        try KeyByOperator(field: "host").process(event, into: &out)
        #expect(out[0].key == Array("a".utf8))
        #expect(throws: RecordError.self) { try KeyByOperator(field: "nope").process(event, into: &out) }
    }

    @Test func countByKeySnapshotRestoresExactly() throws {
        let counter = CountByKeyOperator(outputField: "n")
        var out: [Event] = []
        for key in ["a", "b", "a"] {
            var event = try #require(try JSONRecordDecoder().decode(record(#"{"k":1}"#)))
            event.key = Array(key.utf8)
            try counter.process(event, into: &out)
        }
        #expect(out.map { $0.fields["n"] } == [.number(1), .number(1), .number(2)])
        let partition = PartitionID(topic: "t", partition: 0)
        #expect(counter.takeChangedPartitions() == [partition])
        let snapshot = try #require(counter.snapshot(partition: partition))
        let restored = CountByKeyOperator(outputField: "n")
        try restored.restore(partition: partition, from: snapshot)
        #expect(restored.count(of: "a", in: partition) == 2)
        #expect(restored.snapshot(partition: partition) == snapshot)
        #expect(throws: (any Error).self) { try restored.restore(partition: partition, from: Array(snapshot.dropLast())) }
    }
}
