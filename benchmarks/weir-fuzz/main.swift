import Foundation
import WeirFuzzing

/// Long fuzz campaigns: `weir-fuzz [--iterations N] [--seed S] [--target NAME] [--only I]`.
/// Prints one line per target (inputs, accepted, refused, unnamed errors, slowest case)
/// and exits 1 when an error did not name its input. A trap ends the process after the
/// line `case NAME I` on standard error: replay it with `--target NAME --only I --dump F`.
/// Unbuffered, so the lines before a trap are kept.
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

var iterations = 20_000, seed: UInt64 = 2026, only: Int?, targetName: String?, dump: String?, trace = false, first = 0
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--iterations": iterations = arguments.next().flatMap { Int($0) } ?? iterations
    case "--seed": seed = arguments.next().flatMap { UInt64($0) } ?? seed
    case "--target": targetName = arguments.next()
    case "--only": only = arguments.next().flatMap { Int($0) }
    case "--dump": dump = arguments.next()
    case "--from": first = arguments.next().flatMap { Int($0) } ?? first // start the campaign at this case
    case "--trace": trace = true // name every case on standard error, not every thousandth
    default:
        FileHandle.standardError.write(Data("usage: weir-fuzz [--iterations N] [--seed S] [--target NAME] [--from I] [--only I [--dump FILE]] [--trace]\n".utf8))
        exit(2)
    }
}
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("weir-fuzz-\(getpid())").path
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
let targets = try FuzzTargets.all(scratch: scratch).filter { targetName == nil || $0.name == targetName }
var failed = false
for target in targets {
    if let only, let dump {
        _ = FileManager.default.createFile(atPath: dump, contents: Data(target.input(seed: seed, iteration: only)))
        say("wrote case \(only) of \(target.name) to \(dump)")
        continue
    }
    let range = only.map { $0..<($0 + 1) } ?? first..<max(first, iterations)
    let report = FuzzCampaign.run(target, seed: seed, iterations: range, directory: scratch) { iteration in
        if iteration % 1_000 == 0 || only != nil || trace { FileHandle.standardError.write(Data("case \(target.name) \(iteration)\n".utf8)) }
    }
    say(report.description)
    if let unnamed = report.firstUnnamed { say("  first error not naming the input: \(unnamed)"); failed = true }
}
try? FileManager.default.removeItem(atPath: scratch)
exit(failed ? 1 : 0)
