import Foundation
import Testing
import WeirFuzzing

/// Structure-aware fuzzing of every reader and decoder a user's bytes reach, a few
/// hundred cases each (benchmarks/weir-fuzz runs the long campaigns): every case ends in
/// a value or an error naming the input; a trap fails the run by ending it.
@Suite(.serialized) struct FuzzingTests {
    static let scratch: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-fuzzing-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static let targets: [FuzzTarget] = (try? FuzzTargets.all(scratch: scratch)) ?? []

    static let names = targets.map(\.name)

    @Test func everyReaderIsATarget() {
        #expect(Self.targets.count >= 17, "targets: \(Self.names)")
        for target in Self.targets { #expect(!target.seeds.isEmpty && target.seeds.allSatisfy { !$0.isEmpty }, "\(target.name) has empty seeds") }
    }

    @Test(arguments: names) func mutatedInputsEndInAValueOrANamedError(name: String) throws {
        let target = try #require(Self.targets.first { $0.name == name })
        let report = FuzzCampaign.run(target, seed: 2026, iterations: 0..<200, directory: Self.scratch)
        #expect(report.inputs == 200)
        #expect(report.unnamedErrors == 0, "\(report.firstUnnamed ?? "")")
        if name.hasPrefix("stream-") {
            // A stream never throws: a poison record goes to the dead letters and the rest go on.
            #expect(report.refused == 0, "\(report)")
        } else {
            // The mutations reach the checks (a structured model format may refuse them all).
            #expect(report.refused > 0, "\(report)")
            if !name.hasPrefix("model-") && !name.hasPrefix("registry-") { #expect(report.accepted > 0, "\(report)") }
        }
    }

    /// Cases long campaigns found trapping (seed 2026), kept as regressions.
    @Test(arguments: [("model-deepar", 18_291)])
    func casesThatOnceTrappedEndInNamedErrors(name: String, iteration: Int) throws {
        let target = try #require(Self.targets.first { $0.name == name })
        let report = FuzzCampaign.run(target, seed: 2026, iterations: iteration..<(iteration + 1), directory: Self.scratch)
        #expect(report.inputs == 1 && report.unnamedErrors == 0, "\(report)")
    }
}
