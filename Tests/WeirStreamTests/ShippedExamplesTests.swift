import Foundation
import Testing
import WeirTestSupport

/// The examples a user copies first: the README's quick-start command, every command in the
/// shipped topologies' headers and every topology command the README names, run as written
/// from a copy of the repository's `datasets/` and `topologies/`. The debug build is slow at
/// what the examples do in volume, so three things are cut and nothing else changed: the
/// training commands run one epoch (DeepAR five batches of a one-layer, 8-cell network), and
/// the embedded forecast feed (a forecast on every record) is seeded with the stream's first
/// 240 observations. Training runs before the streams that serve its models.
struct ShippedExamplesTests {
    /// `# weir ...` lines of a topology header, with `\` continuation lines joined.
    static func headerCommands(_ text: String) -> [String] {
        var commands: [String] = []
        var pending: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("#") else { break }
            let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
            if var open = pending {
                open += " " + body
                pending = nil
                if open.hasSuffix("\\") { pending = String(open.dropLast()) } else { commands.append(open) }
                continue
            }
            guard body.hasPrefix("weir ") else { continue }
            if body.hasSuffix("\\") { pending = String(body.dropLast()) } else { commands.append(body) }
        }
        return commands
    }

    /// The README's quick start (after `.build/release/`) and its inline topology commands.
    static func readmeCommands(_ text: String) throws -> [String] {
        var commands: [String] = []
        for line in text.split(separator: "\n") {
            if let range = line.range(of: ".build/release/weir ") { commands.append("weir " + line[range.upperBound...]) }
        }
        let inline = try Regex(#"`(weir (?:run|replay) topologies/[^`]+)`"#)
        for match in text.matches(of: inline) {
            if let command = match.output[1].substring { commands.append(String(command)) }
        }
        return commands
    }

    /// A training command made quick: its epochs cut, everything else as written.
    static func quick(_ arguments: [String]) -> [String] {
        guard arguments.first == "train" else { return arguments }
        var quick = arguments.map { $0.hasPrefix("epochs=") ? "epochs=1" : $0 }
        if arguments.dropFirst().first == "deepar" { quick += ["--hp", "num_batches_per_epoch=5", "--hp", "num_cells=8", "--hp", "num_layers=1"] }
        return quick
    }

    @Test func everyShippedExampleRunsAsWritten() throws {
        let folder = try TestPaths.scratchFolder("shipped-examples")
        for part in ["datasets", "topologies"] {
            try FileManager.default.copyItem(at: TestPaths.repository.appendingPathComponent(part), to: folder.appendingPathComponent(part))
        }
        let topologies = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("topologies").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        var commands: [String] = []
        for name in topologies {
            commands += Self.headerCommands(try String(contentsOf: folder.appendingPathComponent("topologies/\(name)"), encoding: .utf8))
        }
        commands += try Self.readmeCommands(try String(contentsOf: TestPaths.repository.appendingPathComponent("README.md"), encoding: .utf8))
        var seen = Set<String>()
        commands = commands.filter { seen.insert($0.split(separator: " ").joined(separator: " ")).inserted }
        commands = commands.filter { $0.hasPrefix("weir train") } + commands.filter { !$0.hasPrefix("weir train") }
        #expect(commands.filter { $0.hasPrefix("weir train") }.count == 2, "\(commands)")
        #expect(commands.filter { $0.hasPrefix("weir replay") }.count >= 4 && commands.filter { $0.hasPrefix("weir run") }.count >= 4,
                "\(commands)")

        for (index, command) in commands.enumerated() {
            #expect(!command.contains("\"") && !command.contains("'"), "a command needing shell quoting: \(command)")
            let arguments = Self.quick(command.split(separator: " ").dropFirst().map(String.init))
            if arguments.prefix(2) == ["run", "topologies/forecast-feed.yaml"] {
                let observations = folder.appendingPathComponent("datasets/forecast/observations.jsonl")
                let lines = try String(contentsOf: observations, encoding: .utf8).split(separator: "\n").prefix(240)
                try (lines.joined(separator: "\n") + "\n").write(to: observations, atomically: true, encoding: .utf8)
            }
            let process = try WeirProcess(arguments, in: folder, name: "example-\(index)")
            #expect(process.wait(seconds: 600), "\(command) did not finish")
            #expect(process.terminationStatus == 0, "\(command): \(process.stderr.suffix(1500))")
            guard arguments.first == "run" || arguments.first == "replay" else { continue }
            // Each stream produces something: its summary counts records out.
            let outs = process.stderr.matches(of: try Regex(#"out=(\d+)"#)).compactMap { $0.output[1].substring.flatMap { Int($0) } }
            #expect((outs.max() ?? 0) > 0, "\(command): \(process.stderr.suffix(800))")
        }
    }
}
