import ArgumentParser
import WeirStream

/// `weir produce -t TOPIC FILE`: sends each line (or captured record) of a file to a topic.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce each line of a file, or each record of a capture file, to a topic."
    )

    @Argument(help: "File to send (- for stdin).")
    var file: String

    @Option(name: .shortAndLong, help: "Topic to produce to.")
    var topic: String

    @Option(help: "lines or capture.")
    var format: String = "lines"

    @Option(help: "JSON field whose value becomes the record key.")
    var keyField: String?

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        logging.bootstrap()
        guard let parsed = FileSourceSpec.Format(name: format) else {
            throw ValidationError("--format: expected lines, jsonl, csv or capture, got '\(format)'")
        }
        let count = try FileProducer.produce(file: file, format: parsed, topic: topic, keyField: keyField,
                                             configuration: try kafka.configuration())
        print("produced \(count) records to \(topic)")
    }
}
