#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads CSV with every core: a splitter thread cuts the input into blocks of whole
/// records (at a line break outside quotes), workers parse blocks into rows, and `next()`
/// hands the rows out in file order. Blocks in flight are bounded, so memory is too.
/// Errors name the same file, line and field as the sequential reader; the header and the
/// column count of the first row hold across blocks.
public final class ParallelCSVReader {
    public let options: CSVDataReader.Options
    public let name: String
    private let pipeline: Pipeline
    private var rows: [DataRow] = []
    private var lines: [Int64] = []
    private var cursor = 0
    private var nextBlock = 0
    private var columnCount: Int?
    /// The 1-based line number of the record last returned.
    public private(set) var line: Int64 = 0

    public init(_ input: ByteInput, options: CSVDataReader.Options = .init(),
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, blockSize: Int = 1 << 22) {
        self.options = options
        name = input.name
        input.skipByteOrderMark()
        pipeline = Pipeline(input: input, options: options, blockSize: blockSize, maxInFlight: 2 * max(workers, 1) + 2)
        let splitter = Thread { [pipeline] in pipeline.split() }
        splitter.name = "weir-csv-split"
        splitter.start()
        for index in 0..<max(workers, 1) {
            let worker = Thread { [pipeline] in pipeline.work() }
            worker.name = "weir-csv-parse-\(index)"
            worker.start()
        }
    }

    public convenience init(path: String, options: CSVDataReader.Options = .init()) throws(FormatError) {
        self.init(try ByteInput(path: path), options: options)
    }

    deinit { pipeline.cancel() }

    /// The header's names once the first row was read (nil without a header).
    public var header: [String]? { pipeline.readHeader }

    public func next() throws(FormatError) -> DataRow? {
        while cursor == rows.count {
            if nextBlock == 0 { lineBase = pipeline.firstBlockLine() }
            let block: Block?
            do {
                block = try pipeline.result(nextBlock)
            } catch {
                // Workers number lines from 1 within their block; the header's errors are absolute.
                var rebased = error.error
                if !error.isAbsolute, case .line(let relative) = rebased.position { rebased.position = .line(lineBase + relative - 1) }
                throw rebased
            }
            guard let block else { return nil }
            nextBlock += 1
            if let count = block.columnCount {
                if let columnCount, count != columnCount, let first = block.lines.first {
                    pipeline.cancel()
                    throw FormatError(input: name, .line(lineBase + first - 1), "expected \(columnCount) columns (as the first row), found \(count)")
                }
                columnCount = columnCount ?? count
            }
            rows = block.rows
            lines = block.lines
            currentBase = lineBase
            lineBase += block.newlines
            cursor = 0
        }
        defer { cursor += 1 }
        line = currentBase + lines[cursor] - 1
        // Moved out rather than copied: a copy would retain the row's arrays, made on a
        // worker thread, once more (an atomic on another core's cache line) and release
        // them again with the block.
        var row = DataRow(features: .dense([]))
        swap(&row, &rows[cursor])
        return row
    }

    /// The absolute line of the current block's first line, and of the next block's.
    private var currentBase: Int64 = 1
    private var lineBase: Int64 = 1

    struct Block: Sendable {
        var rows: [DataRow]
        /// Line numbers relative to the block's first line (1-based).
        var lines: [Int64]
        var columnCount: Int?
        /// Line breaks in the block, to number the next block's lines.
        var newlines: Int64
    }

    /// A block's error, and whether its line is already absolute (the header's).
    struct Failure: Error {
        var error: FormatError
        var isAbsolute: Bool
    }

    /// The shared state of the splitter, the workers and the consumer.
    final class Pipeline: @unchecked Sendable {
        let input: ByteInput
        let options: CSVDataReader.Options
        let blockSize: Int
        let maxInFlight: Int
        private let condition = NSCondition()
        private var jobs: [(index: Int, bytes: [UInt8])] = []
        private var results: [Int: Result<Block, Failure>] = [:]
        private var blocksMade = 0
        private var blocksTaken = 0
        private var splittingDone = false
        private var cancelled = false
        /// Set by the splitter once the header (if any) is read, before any block is queued.
        private var header: [String]?

        init(input: ByteInput, options: CSVDataReader.Options, blockSize: Int, maxInFlight: Int) {
            self.input = input
            self.options = options
            self.blockSize = blockSize
            self.maxInFlight = maxInFlight
        }

        /// The header the splitter read, under the lock it was written with.
        var readHeader: [String]? {
            condition.lock()
            defer { condition.unlock() }
            return header
        }

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        /// Cuts the input into blocks that end at a record boundary.
        func split() {
            var carry: [UInt8] = []
            var remainder: ArraySlice<UInt8> = []
            var line: Int64 = 1
            var headerPending = options.hasHeader
            defer {
                condition.lock()
                if firstLine == nil { firstLine = line }
                condition.broadcast()
                condition.unlock()
            }
            var atEnd = false
            // The remainder (an unfinished record) was scanned already: each block scans only
            // its new bytes, from the quote state the remainder ended in, so a quote left
            // open costs linear time; `maxRecordBytes` bounds the record it leaves growing.
            var remainderInside = false
            var scanned = 0
            let limit = options.maxRecordBytes
            while !atEnd {
                // Each block is read straight after the previous block's unfinished record.
                let (bytes, got) = input.read(blockSize, after: remainder)
                carry = bytes
                remainder = []
                atEnd = got < blockSize
                if atEnd, let failure = input.failure {
                    // Damaged or truncated compressed data: an error, never a clean end.
                    finish(with: failure)
                    return
                }
                if headerPending, let parsed = takeHeader(&carry, line: &line, atEnd: atEnd) {
                    headerPending = false
                    if case .failure(let error) = parsed {
                        finish(with: error)
                        return
                    }
                }
                if headerPending && !atEnd {
                    guard carry.count <= limit else {
                        finish(with: CSVRecordParser.tooLong(input: input.name, line: line, limit: limit))
                        return
                    }
                    remainder = carry[...]
                    scanned = 0
                    continue
                }
                publishFirstLine(line)
                // The last line break outside quotes ends this block. Without quotes in the
                // new bytes (the usual case) that is simply their last line break.
                let start = min(scanned, carry.count)
                let (cut, inside): (Int, Bool) = carry.withUnsafeBufferPointer { bytes in
                    guard let base = bytes.baseAddress, start < bytes.count else { return (-1, remainderInside) }
                    let fresh = UnsafeBufferPointer(rebasing: bytes[start...])
                    if memchr(base + start, Int32(UInt8(ascii: "\"")), fresh.count) == nil {
                        if remainderInside { return (-1, true) }
                        guard let last = fresh.lastIndex(of: 0x0A) else { return (-1, false) }
                        return (last + start, false)
                    }
                    var last = -1
                    var inside = remainderInside
                    for index in bytes.indices[start...] {
                        let byte = bytes[index]
                        if byte == UInt8(ascii: "\"") { inside.toggle() } else if byte == 0x0A && !inside { last = index }
                    }
                    return (last, inside)
                }
                remainderInside = inside
                let end = atEnd ? carry.count : cut + 1
                guard end > 0 else {
                    guard carry.count <= limit else {
                        finish(with: CSVRecordParser.tooLong(input: input.name, line: 1, limit: limit), isAbsolute: false)
                        return
                    }
                    remainder = carry[...]
                    scanned = carry.count
                    continue
                }
                remainder = Array(carry[end...])[...] // a short copy, so the block's storage stays unique
                scanned = remainder.count
                carry.removeLast(carry.count - end) // the block keeps its storage; no copy
                guard enqueue(carry) else { return }
                guard remainder.count <= limit else {
                    // Numbered from the start of the block that would have held it.
                    finish(with: CSVRecordParser.tooLong(input: input.name, line: 1, limit: limit), isAbsolute: false)
                    return
                }
            }
            condition.lock()
            splittingDone = true
            condition.broadcast()
            condition.unlock()
        }

        /// Reads the header record off the front of `carry` (skipping blank lines); nil when
        /// more input is needed to see it whole.
        private func takeHeader(_ carry: inout [UInt8], line: inout Int64, atEnd: Bool) -> Result<Void, FormatError>? {
            while true {
                // The header ends at the first line break outside quotes: a quoted name may
                // hold line breaks of its own.
                var inside = false, breaks: Int64 = 0
                var end: Int?
                for index in carry.indices {
                    let byte = carry[index]
                    if byte == UInt8(ascii: "\"") {
                        inside.toggle()
                    } else if byte == 0x0A {
                        if !inside {
                            end = index
                            break
                        }
                        breaks += 1
                    }
                }
                guard let newline = end ?? (atEnd ? carry.count : nil) else { return nil }
                var record = Array(carry[..<newline])
                if record.last == 0x0D { record.removeLast() }
                carry.removeFirst(min(newline + 1, carry.count))
                line += 1 + breaks
                if record.isEmpty {
                    if carry.isEmpty && atEnd { return .success(()) }
                    continue
                }
                do {
                    let fields = try record.withUnsafeBufferPointer { (bytes) throws(FormatError) in
                        try CSVRecordParser.fields(bytes, delimiter: options.delimiter, input: input.name, line: line - 1 - breaks)
                    }
                    condition.lock()
                    header = fields.map { String(decoding: $0, as: UTF8.self) }
                    condition.unlock()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }

        /// The absolute line where block 0 starts (after the header), once known.
        private var firstLine: Int64?

        private func publishFirstLine(_ line: Int64) {
            condition.lock()
            if firstLine == nil { firstLine = line }
            condition.broadcast()
            condition.unlock()
        }

        func firstBlockLine() -> Int64 {
            condition.lock()
            defer { condition.unlock() }
            while firstLine == nil && !cancelled { condition.wait() }
            return firstLine ?? 1
        }

        private func enqueue(_ bytes: [UInt8]) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while !cancelled && blocksMade - blocksTaken >= maxInFlight { condition.wait() }
            guard !cancelled else { return false }
            jobs.append((blocksMade, bytes))
            blocksMade += 1
            condition.broadcast()
            return true
        }

        /// Ends the input with `error` as the next block's result: absolute (the header's
        /// lines) or numbered from that block's first line.
        private func finish(with error: FormatError, isAbsolute: Bool = true) {
            condition.lock()
            results[blocksMade] = .failure(Failure(error: error, isAbsolute: isAbsolute))
            blocksMade += 1
            splittingDone = true
            condition.broadcast()
            condition.unlock()
        }

        /// A worker: parses blocks until the input is done or the reader is gone.
        func work() {
            while true {
                condition.lock()
                while jobs.isEmpty && !splittingDone && !cancelled { condition.wait() }
                if cancelled || jobs.isEmpty {
                    condition.unlock()
                    return
                }
                let job = jobs.removeFirst()
                let knownHeader = header
                condition.unlock()
                let parsed = parse(job.bytes, header: knownHeader, startsTheFile: job.index == 0)
                condition.lock()
                results[job.index] = parsed.mapError { Failure(error: $0, isAbsolute: false) }
                condition.broadcast()
                condition.unlock()
            }
        }

        /// Parses one block, numbering its lines from 1.
        private func parse(_ bytes: [UInt8], header: [String]?, startsTheFile: Bool) -> Result<Block, FormatError> {
            var parser = CSVRecordParser(options: options, inputName: input.name)
            parser.expectsHeader = false
            parser.startsTheFile = startsTheFile
            parser.header = header
            parser.columnCount = header?.count
            var block = Block(rows: [], lines: [], columnCount: nil, newlines: 0)
            block.rows.reserveCapacity(bytes.count / 64)
            var line: Int64 = 1
            do {
                try bytes.withUnsafeBufferPointer { (all) throws(FormatError) in
                    guard let base = all.baseAddress, !all.isEmpty else { return }
                    // Quote tracking only when the block holds a quote at all.
                    let quoted = memchr(base, Int32(UInt8(ascii: "\"")), all.count) != nil
                    var start = 0
                    var recordStart = 0
                    var recordLine = line
                    var inside = false
                    while start <= all.count {
                        let found = start < all.count ? memchr(base + start, 0x0A, all.count - start) : nil
                        let index = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? all.count
                        if quoted {
                            inside = CSVRecordParser.endsInsideQuotes(UnsafeBufferPointer(rebasing: all[start..<index]), startingInside: inside)
                        }
                        start = index + 1
                        if inside && index < all.count {
                            line += 1
                            continue
                        }
                        var record = UnsafeBufferPointer(rebasing: all[recordStart..<index])
                        if let last = record.last, last == 0x0D { record = UnsafeBufferPointer(rebasing: record.dropLast()) }
                        if index == all.count && record.isEmpty { break }
                        if let row = try parser.parse(record, line: recordLine, mayHoldQuotes: quoted) {
                            if block.columnCount == nil { block.columnCount = parser.columnCount }
                            block.rows.append(row)
                            block.lines.append(recordLine)
                        }
                        if index < all.count { line += 1 }
                        recordStart = index + 1
                        recordLine = line
                    }
                    if inside { throw FormatError(input: input.name, .line(recordLine), "unterminated quoted field at the end of the input") }
                }
            } catch {
                return .failure(error)
            }
            // Every line break was counted once, as a record's or a quoted field's.
            block.newlines = line - 1
            return .success(block)
        }
        /// Block `index` once parsed, nil after the last block; rethrows a block's error.
        func result(_ index: Int) throws(Failure) -> Block? {
            condition.lock()
            defer { condition.unlock() }
            while results[index] == nil && !(splittingDone && index >= blocksMade) && !cancelled { condition.wait() }
            guard let result = results.removeValue(forKey: index) else { return nil }
            blocksTaken += 1
            condition.broadcast()
            switch result {
            case .success(let block): return block
            case .failure(let error):
                cancelled = true
                condition.broadcast()
                throw error
            }
        }
    }
}
