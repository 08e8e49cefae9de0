#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirCore

/// Weir's capture format: raw Kafka records (topic, partition, offset, timestamp, key,
/// value, headers) exactly as consumed, for offline replay. Layout: the 8-byte magic
/// `WEIRCAP1`, then per record a u32 little-endian body length and the body written
/// with `BinaryWriter` (topic, i32 partition, i64 offset, i64 timestamp or -1,
/// optional key, optional value, u32 header count, then name and optional value each).
public enum CaptureFile {
    public static let magic: [UInt8] = Array("WEIRCAP1".utf8)

    public static func encode(_ record: RawRecord) -> [UInt8] {
        var body = BinaryWriter(capacity: (record.value?.count ?? 0) + 64)
        body.write(string: record.origin.topic)
        body.write(record.origin.partition)
        body.write(record.origin.offset)
        body.write(record.timestamp ?? -1)
        body.write(optionalBytes: record.key)
        body.write(optionalBytes: record.value)
        body.write(UInt32(record.headers.count))
        for header in record.headers {
            body.write(string: header.name)
            body.write(optionalBytes: header.value)
        }
        var framed = BinaryWriter(capacity: body.bytes.count + 4)
        framed.write(UInt32(body.bytes.count))
        framed.append(raw: body.bytes)
        return framed.bytes
    }

    public static func decodeBody(_ body: [UInt8], name: String) throws(BinaryReader.Failure) -> RawRecord {
        var reader = BinaryReader(body, name: name)
        let topic = try reader.readString()
        let partition: Int32 = try reader.read()
        let offset: Int64 = try reader.read()
        let timestamp: Int64 = try reader.read()
        let key = try reader.readOptionalBytes()
        let value = try reader.readOptionalBytes()
        let count: UInt32 = try reader.read()
        var headers: [RecordHeader] = []
        for _ in 0..<count {
            let headerName = try reader.readString()
            headers.append(RecordHeader(name: headerName, value: try reader.readOptionalBytes()))
        }
        try reader.expectEnd()
        return RawRecord(key: key, value: value, headers: headers, timestamp: timestamp < 0 ? nil : timestamp,
                         origin: RecordOrigin(topic: topic, partition: partition, offset: offset))
    }
}

/// Appends records to a capture file.
public final class CaptureWriter {
    private let file: UnsafeMutablePointer<FILE>
    public let path: String
    public private(set) var count = 0

    public init(path: String) throws(SourceError) {
        guard let file = fopen(path, "w") else {
            throw SourceError(input: path, offset: nil, message: "cannot create: \(String(cString: strerror(errno)))")
        }
        self.file = file
        self.path = path
        setvbuf(file, nil, _IOFBF, 1 << 20)
        _ = CaptureFile.magic.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    }

    deinit { fclose(file) }

    public func append(_ record: RawRecord) throws(SourceError) {
        let bytes = CaptureFile.encode(record)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            throw SourceError(input: path, offset: nil, message: "write failed: \(String(cString: strerror(errno)))")
        }
        count += 1
    }

    public func close() throws(SourceError) {
        guard fflush(file) == 0, fsync(fileno(file)) == 0 else {
            throw SourceError(input: path, offset: nil, message: "flush failed: \(String(cString: strerror(errno)))")
        }
    }
}
