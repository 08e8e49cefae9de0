import CRdKafka

/// librdkafka properties by name, exactly as librdkafka documents them, so any property
/// can be passed through from a topology's `kafka:` map or `-X key=value`.
public struct KafkaConfiguration: Sendable, Equatable {
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Sets `key` only when the user has not set it: Weir's defaults never override theirs.
    public mutating func setDefault(_ key: String, _ value: String) {
        if properties[key] == nil { properties[key] = value }
    }

    /// Returns a copy with `other`'s properties taking precedence.
    public func merging(_ other: KafkaConfiguration) -> KafkaConfiguration {
        KafkaConfiguration(properties.merging(other.properties) { _, new in new })
    }

    /// Parses `key=value` as given to `-X` on the command line.
    public static func parseAssignment(_ text: String) throws(KafkaError) -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .local("expected key=value for a librdkafka property, got '\(text)'")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Builds a `rd_kafka_conf_t`; every property is validated by librdkafka, and an
    /// unknown or invalid one is reported by name.
    func makeNativeConfiguration() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw .local("rd_kafka_conf_new failed") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = text(ofCBuffer: errorText)
                throw .local("librdkafka property '\(key)'='\(value)': \(reason)")
            }
        }
        return conf
    }
}

/// The version of the librdkafka actually loaded (it may differ from the headers built against).
public enum KafkaLibrary {
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
