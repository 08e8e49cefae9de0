import ArgumentParser
import Logging
import WeirAlgorithm
import WeirCatalog
import WeirStream

/// `weir replay TOPOLOGY [--input FILE]`: runs a topology over a file, no broker needed.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a CSV, JSON-lines or capture file through a topology."
    )

    @Argument(help: "Topology YAML file.")
    var topology: String

    @Option(name: .shortAndLong, help: "File to replay (default: the topology's file source; - for stdin).")
    var input: String?

    @Option(help: "lines (CSV or JSON lines) or capture.")
    var format: String?

    @Option(help: "full, realtime, or a speed-up such as 10x.")
    var pace: String?

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let spec = try loadTopology(topology)
        var file: FileSourceSpec
        if case .file(let declared) = spec.source { file = declared } else { file = FileSourceSpec(path: "-") }
        if let input { file.path = input }
        if let format {
            guard let parsed = FileSourceSpec.Format(name: format) else {
                throw ValidationError("--format: expected lines, jsonl, csv or capture, got '\(format)'")
            }
            file.format = parsed
        }
        if let pace {
            guard let value = ReplayPace(text: pace) else {
                throw ValidationError("--pace: expected full, realtime or a speed-up such as 10x, got '\(pace)'")
            }
            file.pace = value
        }
        let configuration = try kafka.configuration()
        let replayFile = file
        let logger = Logger(label: "weir")
        try await PipelineService.runUntilSignalled(name: "weir-replay", logger: logger) { stop in
            let pipeline = try ReplayPipeline(spec: spec, file: replayFile, configuration: configuration, catalog: .weir)
            pipeline.progress = ProgressLine.printer(logger: logger)
            try pipeline.run(until: stop)
            logger.info("replay done: \(pipeline.stats.summary)")
        }
    }
}
