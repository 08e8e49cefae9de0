/// A topology file that cannot be used, with the place it went wrong: file, line and
/// the dotted key path (`sinks[0].kafka.topic`), and what was expected there.
public struct TopologyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let key: String
    public let message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): key '\(key)': \(message)"
    }
}
