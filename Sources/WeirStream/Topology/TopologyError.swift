/// A topology file that cannot be used, with the place it went wrong: file, line and
/// the dotted key path (`sinks[0].kafka.topic`), and what was expected there.
public struct TopologyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let key: String
    public let message: String
    /// More problems found in the same file after this one (a file is read whole, so all are reported at once).
    public var others: [TopologyError] = []

    /// This problem and the others, in file order of discovery.
    public var all: [TopologyError] {
        var first = self
        first.others = []
        return [first] + others
    }

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// One line per problem.
    public var description: String {
        all.map(\.text).joined(separator: "\n")
    }

    private var text: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): key '\(key)': \(message)"
    }
}
