import Foundation
import Synchronization
import Testing
import WeirFormats

/// Gzip data reads like the plain data it holds, in every reader, and damage is an error
/// naming the file, never a silent early end.
struct GzipInputTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-gzip-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// `bytes` compressed by the system's gzip (a writer we did not write).
    func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        let plain = folder.appendingPathComponent("plain-\(UUID().uuidString)")
        try Data(bytes).write(to: plain)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-\(level)", "-f", plain.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz")))
        try? FileManager.default.removeItem(atPath: plain.path + ".gz")
        return compressed
    }

    func file(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func csvRows(_ path: String) throws -> [DataRow] {
        let reader = try CSVDataReader(path: path)
        var rows: [DataRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    /// A CSV several times the inflater's buffer, as one member and as three concatenated
    /// members with zero padding after them (as tape tools leave), reads row for row like the
    /// plain file, through the parallel reader too.
    @Test func csvReadsTheSameCompressed() throws {
        var text = ""
        for row in 0..<40_000 { text += "\(row % 2),\(Double(row) / 7),\(row * 3)\n" }
        let plain = Array(text.utf8)
        let plainPath = try file(plain, "rows.csv")
        let expected = try csvRows(plainPath)
        #expect(expected.count == 40_000)
        let single = try file(try gzip(plain), "rows.csv.gz")
        #expect(try csvRows(single) == expected)
        let third = plain.count / 3
        let cut1 = plain[..<third].lastIndex(of: 0x0A)! + 1, cut2 = plain[..<(2 * third)].lastIndex(of: 0x0A)! + 1
        let members = try gzip(Array(plain[..<cut1]), level: 1) + gzip(Array(plain[cut1..<cut2]), level: 9)
            + gzip(Array(plain[cut2...])) + [UInt8](repeating: 0, count: 512)
        let multi = try file(members, "members.csv.gz")
        #expect(try csvRows(multi) == expected)
        let parallel = try ParallelCSVReader(path: multi, options: CSVDataReader.Options())
        var parallelRows: [DataRow] = []
        while let row = try parallel.next() { parallelRows.append(row) }
        #expect(parallelRows == expected)
    }

    /// RecordIO, libsvm and JSON lines go through the same input.
    @Test func everyFormatReadsCompressed() throws {
        let libsvm = try file(try gzip(Array("1 1:0.5 3:2\n0 2:1.5\n".utf8)), "rows.libsvm.gz")
        #expect(DataFormat.inferred(from: libsvm) == .libsvm)
        let libsvmReader = try LibSVMReader(path: libsvm, dimension: nil)
        var libsvmRows = 0
        while try libsvmReader.next() != nil { libsvmRows += 1 }
        #expect(libsvmRows == 2)
        let json = try file(try gzip(Array("{\"features\":[1,2],\"label\":1}\n{\"features\":[3,4],\"label\":0}\n".utf8)), "rows.jsonl.gz")
        let jsonReader = try JSONLinesDataReader(path: json)
        var jsonRows: [DataRow] = []
        while let row = try jsonReader.next() { jsonRows.append(row) }
        #expect(jsonRows == [DataRow(features: .dense([1, 2]), label: [1]), DataRow(features: .dense([3, 4]), label: [0])])
        let framed = RecordIOWriter.frame(Array("first".utf8)) + RecordIOWriter.frame(Array("second!".utf8))
        let record = try file(try gzip(framed), "rows.rec.gz")
        #expect(DataFormat.inferred(from: record) == .recordIO)
        let recordReader = try RecordIOReader(path: record)
        var payloads: [[UInt8]] = []
        while let next = try recordReader.next() { payloads.append(next.payload) }
        #expect(payloads == [Array("first".utf8), Array("second!".utf8)])
    }

    /// A truncated file, a flipped byte and trailing bytes that are not gzip are errors that
    /// name the file and where, in the line reader, the block reader and the whole-file read.
    @Test func damageIsAnErrorNamingTheFile() throws {
        var text = ""
        for row in 0..<5_000 { text += "\(row),\(row * 2)\n" }
        let compressed = try gzip(Array(text.utf8))
        let truncated = try file(Array(compressed.prefix(compressed.count / 2)), "truncated.csv.gz")
        let cut = #expect(throws: FormatError.self) { try csvRows(truncated) }
        #expect(cut?.input == truncated)
        #expect(cut?.message.contains("ends early") == true && cut?.message.contains("truncated file?") == true, "\(String(describing: cut))")
        var flipped = compressed
        flipped[compressed.count / 2] ^= 0x5A
        flipped[compressed.count / 2 + 1] ^= 0xA5
        let damaged = try file(flipped, "damaged.csv.gz")
        let broken = #expect(throws: FormatError.self) {
            let parallel = try ParallelCSVReader(path: damaged, options: CSVDataReader.Options())
            while try parallel.next() != nil {}
        }
        #expect(broken?.input == damaged)
        #expect(broken?.message.contains("gzip") == true, "\(String(describing: broken))")
        let trailing = try file(compressed + Array("not gzip\n".utf8), "trailing.csv.gz")
        let after = #expect(throws: FormatError.self) { try ByteInput(path: trailing).readAll() }
        #expect(after?.message.contains("are not gzip data") == true, "\(String(describing: after))")
        // A byte-order mark inside the compressed data is skipped as in a plain file.
        let marked = try file(try gzip([0xEF, 0xBB, 0xBF] + Array("1,2\n".utf8)), "marked.csv.gz")
        #expect(try csvRows(marked) == [DataRow(features: .dense([2]), label: [1])])
        // One byte that happens to be gzip's first magic byte is plain data.
        let lone = try file([0x1F], "lone.bin")
        #expect(try ByteInput(path: lone).readAll() == [0x1F])
    }

    /// Data that compresses a thousandfold: zlib holds output back after its input is all
    /// consumed, and that output must come out before the end of the file is taken as truncation.
    @Test func highlyCompressibleDataReadsToTheEnd() throws {
        let text = String(repeating: "1,2,3\n", count: 500_000)
        let path = try file(try gzip(Array(text.utf8), level: 9), "repeated.csv.gz")
        #expect(try ByteInput(path: path).readAll().count == text.utf8.count)
        #expect(try csvRows(path).count == 500_000)
    }

    /// A line written to a pipe whose writer stays open is read at once: readers do not wait
    /// for a buffer to fill (`tail -f log | weir replay ... -i -`).
    @Test func aLiveLineIsReadBeforeThePipeCloses() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let line = Array("1,2\n".utf8)
        #expect(write(ends[1], line, line.count) == line.count)
        let path = "/dev/fd/\(ends[0])"
        let done = DispatchSemaphore(value: 0)
        let first = Mutex<DataRow?>(nil)
        let thread = Thread {
            let row = try? CSVDataReader(path: path).next()
            first.withLock { $0 = row }
            done.signal()
        }
        thread.start()
        let arrived = done.wait(timeout: .now() + 10) == .success
        close(ends[1])
        if !arrived { done.wait() }
        close(ends[0])
        #expect(arrived, "the line waited for the writer to close")
        #expect(first.withLock { $0 } == DataRow(features: .dense([2]), label: [1]))
    }
}
