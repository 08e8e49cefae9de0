import ArgumentParser
import WeirAlgorithm
import WeirCatalog

/// `weir algorithms`: the catalogue, one algorithm per line, and `weir train ALGO --help`'s
/// table of an algorithm's hyperparameters.
struct AlgorithmsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "algorithms",
        abstract: "List the algorithms: name, aliases, channels, content types, accept types, online operator and whether training resumes.")

    @Argument(help: "Show one algorithm's hyperparameters instead.")
    var algorithm: String?

    func run() throws {
        if let algorithm {
            do { print(Self.hyperparameterHelp(try AlgorithmCatalog.weir.entry(named: algorithm))) } catch {
                throw ValidationError("\(error)")
            }
            return
        }
        for entry in AlgorithmCatalog.weir.entries { print(Self.line(entry)) }
    }

    static func line(_ entry: CatalogEntry) -> String {
        let info = entry.info
        func list(_ items: [String]) -> String { items.isEmpty ? "-" : items.joined(separator: ",") }
        let channels = info.requiredChannels + info.optionalChannels.map { "[\($0)]" }
        return [info.name, list(info.aliases), list(channels), list(info.trainingContentTypes),
                list(entry.predictorInput?.contentTypes ?? []), list(entry.predictorInput?.acceptTypes ?? []),
                info.streamOperator ?? "-", entry.epochsHyperparameter == nil ? "-" : "resumes"].joined(separator: "\t")
    }

    /// The hyperparameter table `weir train ALGO --help` prints.
    static func hyperparameterHelp(_ entry: CatalogEntry) -> String {
        var lines = ["\(entry.name): \(entry.info.summary)",
                     "channels: \(entry.info.requiredChannels.joined(separator: ", "))"
                         + (entry.info.optionalChannels.isEmpty ? "" : " (optional: \(entry.info.optionalChannels.joined(separator: ", ")))"),
                     "", "HYPERPARAMETERS:"]
        let width = (entry.hyperparameters.map(\.name.count).max() ?? 0) + 2
        for definition in entry.hyperparameters {
            let name = definition.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let value = definition.defaultValue.map { "default \($0)" } ?? "required"
            lines.append("  \(name)\(definition.typeName), \(definition.expectation); \(value)")
            lines.append("  \(String(repeating: " ", count: width))\(definition.help)")
        }
        lines.append("")
        if let epochs = entry.epochsHyperparameter {
            lines.append("With --checkpoint-dir training resumes from its last epoch; only \(epochs) may change between runs.")
        }
        lines.append("SageMaker's own hyperparameters (_tuning_objective_metric, sagemaker_*) are accepted and ignored.")
        return lines.joined(separator: "\n")
    }
}
