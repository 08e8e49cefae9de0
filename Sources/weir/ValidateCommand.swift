import ArgumentParser
import Foundation
import WeirAlgorithm
import WeirCatalog
import WeirStream

/// `weir validate FILE...`: checks topology files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check topology files and the models they serve; errors name the file, line and key, or the operator (exit code 2).",
        discussion: """
            Besides the file itself, every operator is opened as a run would open it: model folders and files are read and \
            checked, registry references must name an existing registry and a version that can serve the operator (its \
            algorithm, its features, the shape the settings ask for). Nothing is consumed or written.
            """
    )

    @Argument(help: "Topology YAML files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            let spec: TopologySpec
            do { spec = try TopologyLoader.load(file: file, catalog: .weir) } catch {
                for problem in error.all { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
                failed = true
                continue
            }
            // Every operator opened as a run opens it (models read and checked against the settings); all problems reported.
            var problems: [String] = []
            for op in OperatorFactory.make(spec.operators, featureNames: spec.schema?.features ?? [], catalog: spec.catalog) {
                do {
                    try op.open()
                    try op.close()
                } catch {
                    problems.append("\(file): operator \(op.name): \(error)")
                }
            }
            if problems.isEmpty {
                print("\(file): ok (\(spec.name): \(spec.operators.count) operators, \(spec.sinks.count) sinks, \(spec.delivery.rawValue))")
            } else {
                for problem in problems { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }
}

/// Loads a topology for a command, turning a bad file into exit code 2 with its message.
func loadTopology(_ path: String) throws -> TopologySpec {
    do {
        return try TopologyLoader.load(file: path, catalog: .weir)
    } catch {
        for problem in error.all { FileHandle.standardError.write(Data("error: \(problem)\n".utf8)) }
        throw ExitCode(2)
    }
}
