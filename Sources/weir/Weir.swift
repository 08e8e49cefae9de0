import ArgumentParser
import Foundation
import Logging
import WeirAlgorithm
import WeirCatalog
import WeirKafka
import WeirMath

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
                      ModelsCommand.self, GenerateCommand.self, AlgorithmsCommand.self, PlotCommand.self]
    )

    /// `weir train ALGO --help` prints that algorithm's hyperparameters; everything else
    /// goes to the argument parser.
    static func main() async {
        reloadWithBetterBLASKernels()
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

extension Weir {
    /// Restarts this process once, before anything else runs, with `OPENBLAS_CORETYPE` set
    /// when OpenBLAS fell back to generic kernels on a CPU with AVX2 or AVX-512 (OpenBLAS
    /// reads the variable only when it loads). A user's own `OPENBLAS_CORETYPE` is kept; if
    /// the restart fails, weir goes on with the generic kernels.
    static func reloadWithBetterBLASKernels() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["WEIR_BLAS_CORETYPE_CHOSEN"] == nil,
              let core = BLAS.betterCoreType(coreName: BLAS.coreName, cpuFlags: BLAS.cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("WEIR_BLAS_CORETYPE_CHOSEN", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}

/// Options every command that logs shares.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func bootstrap() {
        let level = logLevel
        LoggingSystem.bootstrap { label in WeirLogHandler(label: label, level: level) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
