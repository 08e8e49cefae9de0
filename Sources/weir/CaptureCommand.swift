import ArgumentParser
import WeirStream

/// `weir capture -t TOPIC -o FILE`: records a topic into a capture file for replay.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Record a topic (all partitions, from the beginning) into a capture file."
    )

    @Option(name: .shortAndLong, help: "Topic to capture.")
    var topic: String

    @Option(name: .shortAndLong, help: "Capture file to write.")
    var output: String

    @Option(help: "Stop after this many records.")
    var maxRecords: Int?

    @Option(help: "Give up if the end is not reached within this many seconds.")
    var timeout: Int = 60

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let maxRecords, maxRecords < 1 { throw ValidationError("--max-records must be at least 1, found \(maxRecords)") }
        guard (1...2_000_000).contains(timeout) else { throw ValidationError("--timeout must be from 1 to 2000000 seconds, found \(timeout)") }
    }

    func run() throws {
        logging.bootstrap()
        let count = try TopicCapture.capture(topic: topic, to: output, configuration: try kafka.configuration(),
                                             maxRecords: maxRecords, timeoutMs: timeout * 1000)
        print("captured \(count) records from \(topic) into \(output)")
    }
}
