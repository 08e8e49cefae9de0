import Foundation
import Testing
import WeirFormats

/// Randomised-bytes property tests: every reader, fed random and mutated inputs, either
/// returns rows or throws a `FormatError` naming the file; it never crashes or hangs.
struct FuzzTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 16
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Valid seeds of each format, which mutations start from.
    static let seeds: [(DataFormat, [UInt8])] = [
        (.csv, Array("1,0.5,2\n0,\"3.25\",4e2\n1,,-7\n".utf8)),
        (.libsvm, Array("1 qid:2 1:0.5 4:2\n0,1 2:-1 # c\n-1\n".utf8)),
        (.jsonLines, Array(#"{"features":[1,2.5,null],"label":1}"#.utf8 + [0x0A] + #"{"data":{"features":{"values":[4,6],"keys":[0,2],"shape":[3]}}}"#.utf8)),
        (.recordIO, RecordIOWriter.frame(RecordProtobuf.encode(DataRow(features: .sparse(indices: [0, 2], values: [4, 6], dimension: 3), label: [1])))
            + RecordIOWriter.frame(RecordProtobuf.encode(DataRow(features: .dense([1, 2, 3]), label: [0])))),
    ]

    func mutate(_ seed: [UInt8], _ generator: inout Generator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + generator.below(6)) {
            switch generator.below(6) {
            case 0 where !bytes.isEmpty: bytes[generator.below(bytes.count)] = UInt8(generator.below(256))
            case 1 where !bytes.isEmpty: bytes.remove(at: generator.below(bytes.count))
            case 2: bytes.insert(UInt8(generator.below(256)), at: generator.below(bytes.count + 1))
            case 3 where bytes.count > 2: bytes.removeSubrange(generator.below(bytes.count / 2)..<bytes.count) // truncate
            case 4: bytes.insert(contentsOf: [0x0A, 0x23, 0xD7, 0xCE, 0xFF, 0xFF, 0xFF, 0xFF].prefix(1 + generator.below(8)),
                                 at: generator.below(bytes.count + 1))
            default: // a frame header claiming a huge payload (flag 0, length near 2^29)
                bytes.insert(contentsOf: [0x0A, 0x23, 0xD7, 0xCE, 0xF0, 0xFF, 0xFF, 0x1F], at: generator.below(bytes.count + 1))
            }
        }
        return bytes
    }

    @Test(arguments: DataFormat.allCases)
    func readersSurviveRandomAndMutatedInput(format: DataFormat) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-fuzz-\(getpid())-\(format.rawValue)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = Generator(state: UInt64(format.rawValue.count) &* 7919)
        let seed = Self.seeds.first { $0.0 == format }!.1
        var rowsRead = 0, errors = 0
        for iteration in 0..<1_500 {
            let bytes = iteration % 3 == 0 ? (0..<generator.below(200)).map { _ in UInt8(generator.below(256)) } : mutate(seed, &generator)
            let path = folder.appendingPathComponent("case-\(iteration)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let source = try DataRowSource(path: path, format: format)
                var guardCount = 0
                while try source.next() != nil {
                    rowsRead += 1
                    guardCount += 1
                    #expect(guardCount < 10_000, "a reader must not loop forever")
                    if guardCount >= 10_000 { break }
                }
            } catch {
                errors += 1
                #expect(error.input == path, "the error names the file")
            }
        }
        // Both outcomes happen: the mutations are neither all fatal nor all harmless.
        #expect(rowsRead > 0 && errors > 0, "rows \(rowsRead), errors \(errors)")
    }
}
