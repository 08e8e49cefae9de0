import ArgumentParser
import Foundation
import WeirAlgorithm
import WeirCatalog
import WeirStream

/// `weir validate FILE...`: checks topology files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check topology files; errors name the file, line and key (exit code 2)."
    )

    @Argument(help: "Topology YAML files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            do {
                let spec = try TopologyLoader.load(file: file, catalog: .weir)
                print("\(file): ok (\(spec.name): \(spec.operators.count) operators, \(spec.sinks.count) sinks, \(spec.delivery.rawValue))")
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
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
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}
