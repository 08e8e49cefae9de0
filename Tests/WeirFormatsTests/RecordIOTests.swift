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
            #expect(error.description == "x.rec: byte 16: field features.keys[1]: key 1 is not above the previous key 2 (keys must increase)")
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

extension RecordIOTests {
    /// The hand decoder against swift-protobuf's generated code on random records of every
    /// element type, dense and sparse, with and without labels, and on mutated payloads.
    @Test func handDecoderAgreesWithTheGeneratedCode() throws {
        var state: UInt64 = 11
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 20
        }
        for iteration in 0..<3_000 {
            let dimension = 1 + Int(next() % 40)
            let type = TensorElementType.allCases[Int(next() % 3)]
            let values = (0..<dimension).map { _ in type == .int32 ? Double(Int(next() % 2_000) - 1_000) : Double(Float(Double(next() % 100_000) / 977 - 50)) }
            let features: FeatureVector
            if next() % 2 == 0 {
                features = .dense(values)
            } else {
                let indices = (0..<dimension).filter { _ in next() % 3 == 0 }
                features = .sparse(indices: indices, values: indices.map { values[$0] }, dimension: dimension)
            }
            let row = DataRow(features: features, label: next() % 4 == 0 ? [] : [Double(next() % 5)])
            var payload = RecordProtobuf.encode(row, featureType: type, labelType: type == .float64 ? .float64 : .float32)
            if iteration % 3 == 2 && !payload.isEmpty {
                payload[Int(next()) % payload.count] = UInt8(next() % 256) // mutated: both must agree on success or failure
            }
            let hand = Result { try RecordProtobuf.decode(payload, input: "r", offset: 0) }
            let generated = Result { try RecordProtobuf.decodeWithGeneratedCode(payload, input: "r", offset: 0) }
            switch (hand, generated) {
            case (.success(let a), .success(let b)):
                #expect(a == b, "iteration \(iteration)")
                if iteration % 3 != 2 { #expect(a == row, "iteration \(iteration)") }
            case (.failure, .failure): break
            case (.success(let a), .failure(let error)):
                Issue.record("iteration \(iteration): hand decoder accepted \(a), generated code refused: \(error)")
            case (.failure(let error), .success(let b)):
                Issue.record("iteration \(iteration): hand decoder refused (\(error)), generated code read \(b)")
            }
        }
    }
}
