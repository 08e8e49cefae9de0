/// Reads dmlc RecordIO framing: `[magic 0xCED7230A][lrec][payload][pad to 4]`, where lrec
/// holds a continuation flag (top 3 bits) and the length (low 29 bits). Parts of a split
/// record (flags 1, 2, 3) are joined with the magic put back after each part but the last,
/// as dmlc's reader does. Memory is bounded by the largest record.
public final class RecordIOReader {
    public static let magic: UInt32 = 0xCED7_230A
    let input: ByteInput
    private var recordIndex: Int64 = 0
    private var chunk: [UInt8] = []

    public init(_ input: ByteInput) {
        self.input = input
    }

    public convenience init(path: String) throws(FormatError) {
        self.init(try ByteInput(path: path))
    }

    /// The next record's payload and the byte offset of its first frame, or nil at the end.
    public func next() throws(FormatError) -> (payload: [UInt8], offset: Int64)? {
        var payload: [UInt8] = []
        var start: Int64 = -1
        var inMultipart = false
        while true {
            let frameOffset = input.offset
            guard let magic = try input.readUInt32(what: "RecordIO magic") else {
                if inMultipart {
                    throw FormatError(input: input.name, .byte(frameOffset), "input ends inside a multi-part record started at byte \(start)")
                }
                return nil
            }
            guard magic == Self.magic else {
                throw FormatError(input: input.name, .byte(frameOffset),
                                  "bad RecordIO magic 0x\(String(magic, radix: 16)) (expected 0xced7230a); not a RecordIO file, or corrupt here")
            }
            guard let lrec = try input.readUInt32(what: "RecordIO length") else {
                throw FormatError(input: input.name, .byte(frameOffset + 4), "truncated RecordIO header: no length after the magic")
            }
            let flag = lrec >> 29
            let length = Int(lrec & ((1 << 29) - 1))
            if start < 0 { start = frameOffset }
            switch (flag, inMultipart) {
            case (0, false), (1, false): break
            case (2, true), (3, true): break
            case (0, true), (1, true):
                throw FormatError(input: input.name, .byte(frameOffset), "a new record (flag \(flag)) starts inside the multi-part record started at byte \(start)")
            case (2, false), (3, false):
                throw FormatError(input: input.name, .byte(frameOffset), "continuation flag \(flag) without a first part (flag 1)")
            default:
                throw FormatError(input: input.name, .byte(frameOffset), "invalid RecordIO continuation flag \(flag) (expected 0 to 3)")
            }
            // Read in chunks: a corrupt length near 512 MiB must not allocate that much
            // before the input turns out to be shorter.
            var got = 0
            while got < length {
                let want = min(length - got, 1 << 20)
                let read = input.read(want, into: &chunk)
                payload.append(contentsOf: chunk.prefix(read))
                got += read
                if read < want { break }
            }
            if got < length { try input.checkFailure() }
            guard got == length else {
                throw FormatError(input: input.name, .byte(frameOffset + 8),
                                  "truncated record: \(got) of \(length) payload bytes (length from the header at byte \(frameOffset))")
            }
            try input.skip((4 - length % 4) % 4, what: "RecordIO padding")
            switch flag {
            case 0, 3:
                recordIndex += 1
                return (payload, start)
            default:
                // A split happened where the payload contained the magic: put it back.
                withUnsafeBytes(of: Self.magic.littleEndian) { payload.append(contentsOf: $0) }
                inMultipart = true
            }
        }
    }
}
