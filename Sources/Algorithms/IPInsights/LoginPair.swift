/// One (entity, address) observation as IP Insights takes it: the entity is an opaque
/// string (surrounding spaces dropped), the address IPv4 or IPv6 text.
public struct LoginPair: Sendable, Equatable {
    public let entity: String
    public let key: EntityKey
    public let address: IPAddress

    /// Why fields are not a pair: which field and what was expected.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    public init(entity: String, address: IPAddress) {
        self.entity = entity
        key = EntityKey(entity)
        self.address = address
    }

    /// Reads the two fields of a CSV record or JSON `values` array.
    public init(fields: [some Collection<UInt8>]) throws(Problem) {
        guard fields.count == 2 else {
            throw Problem(field: "record", message: "expected 2 columns (entity, IP address), found \(fields.count)")
        }
        let entityText = String(decoding: fields[fields.startIndex], as: UTF8.self).trimmingSpaces
        guard !entityText.isEmpty else { throw Problem(field: "entity", message: "is empty") }
        let addressText = String(decoding: fields[fields.startIndex + 1], as: UTF8.self)
        guard let address = IPAddress(addressText) else {
            throw Problem(field: "ip", message: "expected an IPv4 or IPv6 address, found '\(addressText.prefix(60))'")
        }
        self.init(entity: entityText, address: address)
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
