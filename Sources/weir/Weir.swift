import ArgumentParser
import Foundation
import Logging
import WeirAlgorithm
import WeirCatalog
import WeirKafka

/// The `weir` command line: run and replay topologies, validate them, capture and
/// produce Kafka records, convert and inspect training data.
@main
struct Weir: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "weir",
        abstract: "Weir: a streaming anomaly and time-series engine on Kafka.",
        version: "weir \(version) (librdkafka \(KafkaLibrary.version))",
        subcommands: [RunCommand.self, ReplayCommand.self, ValidateCommand.self, CaptureCommand.self,
                      ProduceCommand.self, ConvertCommand.self, InspectCommand.self, TrainCommand.self, PredictCommand.self,
                      ModelsCommand.self, GenerateCommand.self, AlgorithmsCommand.self]
    )

    /// `weir train ALGO --help` prints that algorithm's hyperparameters; everything else
    /// goes to the argument parser.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count >= 2, arguments[0] == "train", arguments.contains("--help") || arguments.contains("-h"),
           let name = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }),
           let entry = try? AlgorithmCatalog.weir.entry(named: name) {
            print(AlgorithmsCommand.hyperparameterHelp(entry))
            print("\nOPTIONS: see weir help train.")
            return
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
