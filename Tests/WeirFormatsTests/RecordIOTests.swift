import Foundation
import Testing
import WeirFormats

struct RecordIOTests {
    func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
    }

    func readAll(_ path: String) throws -> [DataRow] {
        let reader = try RecordIOReader(path: path)
        var rows: [DataRow] = []
        while let (payload, offset) = try reader.next() {
            rows.append(try RecordProtobuf.decode(payload, input: path, offset: offset))
        }
        return rows
    }

    func scratch(_ name: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-formats-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    /// Files written by SageMaker's Python SDK decode to the values it was given, and our
    /// writer reproduces them byte for byte.
    @Test func sdkVectorsDecodeExactlyAndReencodeByteForByte() throws {
        let dense = try readAll(fixture("dense_2x3_f32_labels.rec"))
        #expect(dense == [DataRow(features: .dense([1, 2, 3]), label: [0]), DataRow(features: .dense([4, 5, 6]), label: [1])])
        let sparse = try readAll(fixture("sparse_2x3_f32_labels.rec"))
        #expect(sparse == [DataRow(features: .sparse(indices: [1], values: [2], dimension: 3), label: [0]),
                           DataRow(features: .sparse(indices: [0, 2], values: [4, 6], dimension: 3), label: [1])])
        for (name, rows) in [("dense_2x3_f32_labels.rec", dense), ("sparse_2x3_f32_labels.rec", sparse)] {
            let written = rows.flatMap { RecordIOWriter.frame(RecordProtobuf.encode($0)) }
            #expect(written == Array(try Data(contentsOf: URL(fileURLWithPath: fixture(name)))), "\(name)")
        }
        // Without labels a dense record's payload is the features entry alone: 28 bytes.
        let unlabelled = RecordIOWriter.frame(RecordProtobuf.encode(DataRow(features: .dense([1, 2, 3]))))
        #expect(unlabelled.prefix(8) == [0x0A, 0x23, 0xD7, 0xCE, 0x1C, 0, 0, 0] && unlabelled.count == 36)
    }

    @Test func multiPartRecordsAreJoinedWithTheMagicPutBack() throws {
        // dmlc splits a payload where the magic sits at an aligned offset and drops it.
        let magic: [UInt8] = [0x0A, 0x23, 0xD7, 0xCE]
        let whole: [UInt8] = [1, 2, 3, 4] + magic + [5, 6, 7] + magic + [9]
        func frame(_ flag: UInt32, _ part: [UInt8]) -> [UInt8] {
            var bytes = magic
            withUnsafeBytes(of: ((flag << 29) | UInt32(part.count)).littleEndian) { bytes.append(contentsOf: $0) }
            return bytes + part + [UInt8](repeating: 0, count: (4 - part.count % 4) % 4)
        }
        let file = frame(1, [1, 2, 3, 4]) + frame(2, [5, 6, 7]) + frame(3, [9]) + frame(0, [42])
        let path = scratch("multipart.rec")
        try Data(file).write(to: URL(fileURLWithPath: path))
        let reader = try RecordIOReader(path: path)
        #expect(try reader.next()?.payload == whole)
        let last = try reader.next()
        #expect(last?.payload == [42] && last?.offset == Int64(file.count - 12))
        #expect(try reader.next() == nil)
    }

    @Test(arguments: [
        ("bad magic", [0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 0] as [UInt8], "bad RecordIO magic", Int64(0)),
        ("truncated payload", [0x0A, 0x23, 0xD7, 0xCE, 10, 0, 0, 0, 1, 2], "truncated record: 2 of 10", Int64(8)),
        ("truncated header", [0x0A, 0x23, 0xD7, 0xCE, 10, 0], "truncated RecordIO length", Int64(4)),
        ("orphan continuation", [0x0A, 0x23, 0xD7, 0xCE, 0, 0, 0, 0x60], "without a first part", Int64(0)),
        ("bad flag", [0x0A, 0x23, 0xD7, 0xCE, 0, 0, 0, 0x80], "invalid RecordIO continuation flag 4", Int64(0)),
        ("missing padding", [0x0A, 0x23, 0xD7, 0xCE, 1, 0, 0, 0, 7], "truncated RecordIO padding", Int64(9)),
    ])
    func brokenFramesAreReportedWithTheirOffset(name: String, bytes: [UInt8], reason: String, offset: Int64) throws {
        let path = scratch("broken-\(name.replacingOccurrences(of: " ", with: "-")).rec")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try RecordIOReader(path: path)
        do {
            _ = try reader.next()
            Issue.record("\(name): expected an error")
        } catch {
            #expect(error.description.contains(reason), "\(name): \(error)")
            #expect(error.position == .byte(offset), "\(name): \(error)")
            #expect(error.input == path)
        }
    }

    @Test func invalidProtobufAndInconsistentTensorsAreRefused() throws {
        #expect(throws: FormatError.self) { try RecordProtobuf.decode([0x0A, 0xFF, 0xFF], input: "x.rec", offset: 16) }
        let inconsistent = RecordProtobuf.encode(DataRow(features: .sparse(indices: [2, 1], values: [1, 1], dimension: 3)))
        do {
            _ = try RecordProtobuf.decode(inconsistent, input: "x.rec", offset: 16)
            Issue.record("out-of-order keys must be refused")
        } catch {
            #expect(error.description == "x.rec: byte 16: field features: sparse key 1 out of order or outside the dimension 3")
        }
    }

    @Test func float64AndInt32TensorsRoundTrip() throws {
        let row = DataRow(features: .dense([0.1, 1e300, -2]), label: [3])
        let path = scratch("f64.rec")
        let writer = try RecordIOWriter(path: path)
        try writer.append(RecordProtobuf.encode(row, featureType: .float64, labelType: .int32))
        try writer.close()
        #expect(try readAll(path) == [row])
    }
}

extension RecordIOTests {
    @Test func anAllZeroSparseRowKeepsItsDimension() throws {
        let row = DataRow(features: .sparse(indices: [], values: [], dimension: 6), label: [1])
        #expect(try RecordProtobuf.decode(RecordProtobuf.encode(row), input: "x.rec", offset: 0) == row)
    }
}
