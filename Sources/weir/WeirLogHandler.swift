#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import WeirCore

/// Weir's log lines on standard error: UTC time, level, logger, then the message first and
/// its metadata after it as logfmt `key=value` pairs (sorted; values with spaces, quotes or
/// `=` quoted), so a reader scanning a log sees what happened before the details.
/// `2026-12-07T18:02:11.042Z warning weir.model-file: refused a new model file; the current model keeps serving file=m/forest.rcf reason="checksum mismatch"`
struct WeirLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.line(time: Self.now(), level: event.level, label: label, message: "\(event.message)", metadata: merged)
        // One write per line, so lines of concurrent loggers do not interleave.
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// The text of one log line, ending in a line break.
    static func line(time: Int64, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var text = EventTimeStyle.iso8601.value(ofMilliseconds: time).stringValue ?? ""
        text += " \(level) \(label): \(message)"
        for key in metadata.keys.sorted() {
            text += " \(key)=\(quoted("\(metadata[key] ?? "")"))"
        }
        return text + "\n"
    }

    /// `value` as logfmt writes it: bare when it is one plain word, else in double quotes
    /// with quotes, backslashes and line breaks escaped.
    static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.isNewline }
        if plain { return value }
        var text = "\""
        for character in value {
            switch character {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r\n", "\r": text += "\\r"
            default: text.append(character)
            }
        }
        return text + "\""
    }

    private static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
