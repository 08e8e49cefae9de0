import ArgumentParser
import WeirKafka

/// How to reach Kafka and any librdkafka property to pass through, as kcat takes them.
struct KafkaOptions: ParsableArguments {
    @Option(name: [.customShort("b"), .long], help: "Kafka bootstrap servers (host:port,...). Overrides the topology.")
    var bootstrap: String?

    @Option(name: .customShort("X"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A librdkafka property, key=value (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    func configuration() throws -> KafkaConfiguration {
        var configuration = KafkaConfiguration()
        for assignment in properties {
            do {
                let (key, value) = try KafkaConfiguration.parseAssignment(assignment)
                configuration[key] = value
            } catch {
                throw ValidationError("-X \(assignment): \(error.message)")
            }
        }
        if let bootstrap { configuration["bootstrap.servers"] = bootstrap }
        return configuration
    }
}
