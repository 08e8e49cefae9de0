import Foundation
import Testing
import WeirFormats

struct TextFormatTests {
    func write(_ text: String, _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-text-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func rows(_ reader: CSVDataReader) throws -> [DataRow] {
        var result: [DataRow] = []
        while let row = try reader.next() { result.append(row) }
        return result
    }

    @Test func numbersParseExactlyAndRejectJunk() {
        for text in ["0", "-0.5", "3.141592653589793", "1e-7", "123456789012345678", "0.1", "2.5E+10", "+7", " 4.25 ", "00012.5"] {
            #expect(NumberText.parseDouble(text) == Double(text.trimmingCharacters(in: .whitespaces)), "\(text)")
        }
        #expect(NumberText.parseDouble("")!.isNaN && NumberText.parseDouble("NaN")!.isNaN && NumberText.parseDouble("-inf") == -.infinity)
        for junk in ["abc", "1.2.3", "0x1p3", "1e", "--1", ".", "1,5", "12a"] {
            #expect(NumberText.parseDouble(junk) == nil, "\(junk)")
        }
        #expect(NumberText.format(3) == "3" && NumberText.format(0.1) == "0.1" && NumberText.format(.nan) == "nan")
    }

    @Test func csvTakesTheLabelFromTheFirstColumnsAndHandlesQuotes() throws {
        let path = try write("1,0.5,2\n0,\"3.25\",\"4\"\n\n1,,7\n", "train.csv")
        let parsed = try rows(try CSVDataReader(path: path))
        #expect(parsed.count == 3)
        #expect(parsed[0] == DataRow(features: .dense([0.5, 2]), label: [1]))
        #expect(parsed[1] == DataRow(features: .dense([3.25, 4]), label: [0]))
        #expect(parsed[2].features.denseValues[0].isNaN, "an empty field is a missing value")
        let unsupervised = try rows(try CSVDataReader(path: path, options: CSVDataReader.Options.fromContentType("text/csv;label_size=0")!))
        #expect(unsupervised[0] == DataRow(features: .dense([1, 0.5, 2])))
        let header = try write("y,\"a,b\",c\n1,2,3\n", "header.csv")
        let reader = try CSVDataReader(path: header, options: .init(hasHeader: true))
        #expect(try reader.next() == DataRow(features: .dense([2, 3]), label: [1]))
        #expect(reader.header == ["y", "a,b", "c"])
        let multiline = try write("1,\"2\n\",3\n4,5,6\n", "multiline.csv")
        let joined = try rows(try CSVDataReader(path: multiline))
        #expect(joined.count == 2 && joined[1] == DataRow(features: .dense([5, 6]), label: [4]))
    }

    @Test(arguments: [
        ("1,2,3\n4,5\n", "ragged.csv", "line 2: expected 3 columns (as the first row), found 2"),
        ("1,2,3\n4,x5,6\n", "letters.csv", "line 2: field 2: expected a number, found 'x5'"),
        ("1,\"2\n", "open.csv", "line 1: unterminated quoted field"),
    ])
    func csvErrorsNameLineAndField(text: String, name: String, expected: String) throws {
        let path = try write(text, name)
        do {
            _ = try rows(try CSVDataReader(path: path))
            Issue.record("\(name): expected an error")
        } catch {
            #expect("\(error)".hasPrefix(path + ": " + expected), "\(error)")
        }
        let labelled = try write("a,b\n1,oops\n", "named.csv")
        do {
            _ = try rows(try CSVDataReader(path: labelled, options: .init(hasHeader: true)))
        } catch {
            #expect("\(error)".contains("field 2 (b): expected a number, found 'oops'"))
        }
    }

    @Test func libsvmReadsSparseRowsAndRoundTrips() throws {
        let path = try write("1 qid:3 1:0.5 4:2 # comment\n0,2 2:-1\n\n# only a comment\n-1\n", "data.svm")
        let reader = try LibSVMReader(path: path, dimension: 5)
        let first = try reader.next()
        #expect(first == DataRow(features: .sparse(indices: [0, 3], values: [0.5, 2], dimension: 5), label: [1]))
        #expect(reader.queryID == 3)
        #expect(try reader.next() == DataRow(features: .sparse(indices: [1], values: [-1], dimension: 5), label: [0, 2]))
        #expect(try reader.next() == DataRow(features: .sparse(indices: [], values: [], dimension: 5), label: [-1]))
        #expect(try reader.next() == nil)

        let out = try write("", "out.svm")
        let writer = try LibSVMWriter(path: out)
        try writer.append(DataRow(features: .dense([0, 1.5, 0, 3]), label: [1]))
        try writer.append(DataRow(features: .sparse(indices: [2], values: [7], dimension: 4), label: []))
        try writer.close()
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "1 2:1.5 4:3\n0 3:7\n")
    }

    @Test(arguments: [
        ("1 0:1\n", "field index 0: libsvm indices start at 1"),
        ("1 3:1 2:1\n", "field index 2: indices must increase (previous was 3)"),
        ("1 9:1\n", "field index 9: beyond the feature dimension 5"),
        ("1 2:x\n", "field index 2: expected a number, found 'x'"),
        ("one 2:1\n", "field label: expected a number, found 'one'"),
        ("1 2\n", "expected index:value, found '2'"),
    ])
    func libsvmErrorsNameLineAndIndex(text: String, expected: String) throws {
        let path = try write(text, "bad-\(abs(text.hashValue)).svm")
        do {
            _ = try LibSVMReader(path: path, dimension: 5).next()
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description == "\(path): line 1: \(expected)", "\(error)")
        }
    }
}

extension TextFormatTests {
    /// The CSV fast path reads digits eight at a time: decimals with runs of every length
    /// around and past eight digits, signs, leading zeros and fields at a record's end (where
    /// fewer than eight bytes remain) parse to exactly what Swift's own parser gives.
    @Test func csvDigitRunsOfEveryLengthParseExactly() throws {
        var state: UInt64 = 11
        func digits(_ count: Int) -> String {
            (0..<count).map { _ -> String in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return String(state >> 60 % 10)
            }.joined()
        }
        var lines: [String] = [], expected: [[Double]] = []
        for whole in 0...19 {
            for fraction in [0, 1, 7, 8, 9, 16, 17] where whole + fraction <= 19 && whole + fraction > 0 {
                var fields: [String] = []
                for variant in 0..<6 {
                    let sign = ["", "-", "+"][variant % 3]
                    let number = (whole > 0 ? digits(whole) : "") + (fraction > 0 ? "." + digits(fraction) : "")
                    fields.append(sign + (variant >= 3 ? "00" : "") + number)
                }
                lines.append(fields.joined(separator: ","))
                expected.append(fields.map { Double($0)! })
            }
        }
        let path = try write(lines.joined(separator: "\n") + "\n", "digits.csv")
        let parsed = try rows(try CSVDataReader(path: path, options: .init(labelSize: 0)))
        #expect(parsed.count == expected.count)
        for (row, values) in zip(parsed, expected) {
            #expect(row.features.denseValues.map(\.bitPattern) == values.map(\.bitPattern), "\(values)")
        }
    }

    /// The parallel reader gives exactly the sequential reader's rows and line numbers on a
    /// file cut into many small blocks, with quoted line breaks, blank lines and CRLF.
    /// A UTF-8 byte-order mark (as some editors write) is not data: every text reader skips
    /// it, and error offsets still count it.
    @Test func aByteOrderMarkIsSkippedByEveryTextReader() throws {
        let mark = "\u{FEFF}"
        let csv = try write(mark + "name,value\n1,2.5\n", "bom.csv")
        let sequential = try CSVDataReader(path: csv, options: .init(hasHeader: true))
        #expect(try sequential.next() == DataRow(features: .dense([2.5]), label: [1]))
        #expect(sequential.header == ["name", "value"])
        let parallel = ParallelCSVReader(try ByteInput(path: csv), options: .init(hasHeader: true), workers: 2, blockSize: 1_000)
        #expect(try parallel.next() == DataRow(features: .dense([2.5]), label: [1]))
        let unlabelled = try write(mark + "4,5\n", "bom-unlabelled.csv")
        #expect(try CSVDataReader(path: unlabelled, options: .init(labelSize: 0)).next() == DataRow(features: .dense([4, 5])))
        let libsvm = try write(mark + "1 1:0.5 3:2\n", "bom.libsvm")
        #expect(try LibSVMReader(path: libsvm).next()?.label == [1])
        let lines = try write(mark + #"{"features":[1,2],"label":0}"# + "\n", "bom.jsonl")
        #expect(try JSONLinesDataReader(path: lines).next() == DataRow(features: .dense([1, 2]), label: [0]))
        let text = try write(mark + "user,1.2.3.4\n", "bom-pairs.csv")
        let pairs = try CSVTextReader(path: text)
        var first: [String] = []
        _ = try pairs.next { fields in first = fields.map { String(decoding: $0, as: UTF8.self) } }
        #expect(first == ["user", "1.2.3.4"])
        // Without a mark nothing is skipped, however short the file.
        let short = try write("7", "short.csv")
        #expect(try CSVDataReader(path: short, options: .init(labelSize: 0)).next() == DataRow(features: .dense([7])))
    }

    @Test func parallelCSVMatchesTheSequentialReader() throws {
        var state: UInt64 = 5
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        var text = "label,a,b,c\n"
        for row in 0..<3_000 {
            let fields = ["\(row % 2)", "\(Double(next() % 10_000) / 7)", next() % 5 == 0 ? "\"\(next() % 100)\n\"" : "\(next() % 100)",
                          next() % 7 == 0 ? "" : "-\(next() % 1000).25"]
            text += fields.joined(separator: ",") + (row % 11 == 0 ? "\r\n" : "\n")
            if row % 97 == 0 { text += "\n" }
        }
        let path = try write(text, "parallel.csv")
        let sequential = try CSVDataReader(path: path, options: .init(hasHeader: true))
        let parallel = ParallelCSVReader(try ByteInput(path: path), options: .init(hasHeader: true), workers: 3, blockSize: 1_000)
        var count = 0
        while let expected = try sequential.next() {
            let got = try parallel.next()
            #expect(got?.label == expected.label && got?.features.denseValues.map(\.bitPattern) == expected.features.denseValues.map(\.bitPattern),
                    "row \(count)")
            #expect(parallel.line == sequential.line, "row \(count)")
            count += 1
        }
        #expect(try parallel.next() == nil)
        #expect(count == 3_000)
    }

    /// A header whose quoted names hold line breaks ends at the first break outside quotes,
    /// in the parallel reader as in the sequential one, and later lines keep their numbers.
    @Test func quotedMultiLineHeaderIsOneRecord() throws {
        let text = "label,\"cpu\nload\",\"mem\r\nused\"\n" + (0..<400).map { "\($0 % 2),\($0),\($0 * 2)" }.joined(separator: "\n") + "\n1,x,3\n"
        let path = try write(text, "multiline-header.csv")
        func readAll(_ next: () throws -> DataRow?) -> (rows: [[Double]], error: String) {
            var rows: [[Double]] = []
            do {
                while let row = try next() { rows.append(row.features.denseValues) }
                return (rows, "none")
            } catch {
                return (rows, "\(error)")
            }
        }
        let sequential = try CSVDataReader(path: path, options: .init(hasHeader: true))
        let parallel = ParallelCSVReader(try ByteInput(path: path), options: .init(hasHeader: true), workers: 2, blockSize: 256)
        let expected = readAll { try sequential.next() }
        let got = readAll { try parallel.next() }
        // Header lines 1-3, rows on lines 4-403, the bad row on line 404 (its column named
        // by the quoted header, line break included).
        #expect(expected.rows == (0..<400).map { [Double($0), Double($0 * 2)] })
        #expect(expected.error == "\(path): line 404: field 2 (cpu\nload): expected a number, found 'x'", "\(expected.error)")
        #expect(got.error == expected.error)
        #expect(got.rows == Array(expected.rows.prefix(got.rows.count)))
    }

    @Test func parallelCSVReportsTheSameErrorsAsTheSequentialReader() throws {
        let rows = (1...5_000).map { $0 == 4_321 ? "1,x2,3" : ($0 == 4_500 ? "1,2" : "1,2,3") }
        let path = try write(rows.joined(separator: "\n") + "\n", "parallel-bad.csv")
        let parallel = ParallelCSVReader(try ByteInput(path: path), options: .init(), workers: 2, blockSize: 512)
        do {
            while try parallel.next() != nil {}
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(path): line 4321: field 2: expected a number, found 'x2'")
        }
        let ragged = try write((1...3_000).map { $0 > 2_000 ? "1,2" : "1,2,3" }.joined(separator: "\n"), "parallel-ragged.csv")
        let reader = ParallelCSVReader(try ByteInput(path: ragged), options: .init(), workers: 2, blockSize: 300)
        do {
            while try reader.next() != nil {}
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(ragged): line 2001: expected 3 columns (as the first row), found 2")
        }
    }

    /// A quote left open on line 301 of a long file is an error naming line 301 as soon as
    /// the record passes `maxRecordBytes`, in both readers (before, each new block rescanned
    /// the whole growing record and kept the rest of the file in memory); quoted line breaks
    /// in records under the bound still read.
    @Test(arguments: [false, true])
    func anOpenQuoteStopsAtTheRecordBound(parallel: Bool) throws {
        var lines = (1...300).map { "\($0 % 2),\"\($0)\n\",\($0 * 2)" }
        lines.append("1,\"7,8")
        lines += (1...20_000).map { "0,\($0),\($0)" }
        let path = try write(lines.joined(separator: "\n") + "\n", parallel ? "open-quote-p.csv" : "open-quote-s.csv")
        let options = CSVDataReader.Options(maxRecordBytes: 4_096)
        var read = 0
        do {
            if parallel {
                let reader = ParallelCSVReader(try ByteInput(path: path), options: options, workers: 2, blockSize: 1_000)
                while try reader.next() != nil { read += 1 }
            } else {
                let reader = try CSVDataReader(path: path, options: options)
                while try reader.next() != nil { read += 1 }
            }
            Issue.record("expected an error")
        } catch {
            // Records 1-300 take two physical lines each: the open quote is on line 601.
            #expect(error.description == "\(path): line 601: a record longer than 4096 bytes starts here (maxRecordBytes); is a quoted field left unterminated?")
        }
        #expect(read == 300)
    }

    /// The bound holds for a header left open too.
    @Test func anOpenQuoteInTheHeaderStopsAtTheRecordBound() throws {
        let path = try write("label,\"a,b\n" + String(repeating: "1,2,3\n", count: 5_000), "open-header.csv")
        let reader = ParallelCSVReader(try ByteInput(path: path), options: .init(hasHeader: true, maxRecordBytes: 2_048), workers: 2, blockSize: 500)
        #expect(throws: FormatError.self) { while try reader.next() != nil {} }
        do {
            while try reader.next() != nil {}
        } catch {
            #expect(error.description.contains("line 1: a record longer than 2048 bytes"), "\(error)")
        }
    }

    /// Lines are read whole however they fall across read-ahead chunks (here lines of up to
    /// 300,000 bytes, CRLF and a last line without a break, mixed with block reads), and a
    /// line past `maxLineBytes` is an error naming the byte it starts at, not all of memory.
    @Test func linesSpanChunksAndStopAtTheLineBound() throws {
        let lines = ["short", String(repeating: "x", count: 300_000), "", "crlf\r", String(repeating: "y", count: 70_000), "last"]
        let path = try write(lines.joined(separator: "\n"), "long-lines.txt")
        let input = try ByteInput(path: path)
        var read: [String] = []
        while try input.readLine({ read.append(String(decoding: $0, as: UTF8.self)) }) {}
        #expect(read == lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 })
        #expect(input.offset == Int64(lines.joined(separator: "\n").utf8.count))

        // Block reads after line reads take the bytes read ahead first.
        let mixed = try ByteInput(path: path)
        _ = try mixed.readLine { _ in }
        var block: [UInt8] = []
        #expect(mixed.read(10, into: &block) == 10 && block == Array(repeating: UInt8(ascii: "x"), count: 10))

        let bounded = try ByteInput(path: path)
        bounded.maxLineBytes = 100_000
        _ = try bounded.readLine { _ in }
        do {
            _ = try bounded.readLine { _ in }
            Issue.record("expected the line bound to stop the read")
        } catch {
            #expect(error.description == "\(path): byte 6: a line longer than 100000 bytes starts here (maxLineBytes)")
        }
    }
}
