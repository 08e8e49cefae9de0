/// A record as a source delivers it, before decoding: the bytes and metadata of a Kafka
/// record, or one line or captured record of a replayed file.
public struct RawRecord: Sendable, Equatable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    /// Milliseconds since the Unix epoch, when the source knows it.
    public var timestamp: Int64?
    public var origin: RecordOrigin

    public init(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = [],
                timestamp: Int64? = nil, origin: RecordOrigin) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
        self.origin = origin
    }
}
