import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore

/// Every entry that declares resumable training: a job stopped halfway and resumed from
/// its checkpoint gives the bytes of one uninterrupted job; a checkpoint written with other
/// hyperparameters, a damaged one, or one past the epochs asked for is an error naming
/// the file, never a crash.
@Suite(.serialized) struct ResumableTrainingConformanceTests {
    static let resumable = AlgorithmCatalog.weir.entries.filter { $0.epochsHyperparameter != nil }.map(\.name)

    static func run(_ entry: CatalogEntry, _ hyperparameters: [String: String], data: String, checkpoints: String?, model: String) throws -> [UInt8] {
        let channels = try entry.fixture.channels(data)
        var spec = TrainingJobSpec(hyperparameters: hyperparameters, channels: channels, modelDirectory: model)
        spec.checkpointDirectory = checkpoints
        return try TrainingRunner.run(entry.name, catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }, log: { _ in })
    }

    @Test func theCatalogueDeclaresWhichAlgorithmsResume() {
        #expect(Self.resumable.contains("deepar") && Self.resumable.contains("ipinsights") && Self.resumable.contains("xgboost"), "\(Self.resumable)")
    }

    @Test(arguments: resumable) func resumedTrainingEqualsUninterruptedTraining(name: String) throws {
        let entry = try CatalogConformanceTests.entry(name)
        let epochsName = try #require(entry.epochsHyperparameter)
        let full = entry.fixture.hyperparameters
        let epochs = try #require(full[epochsName].flatMap { Int($0) }, "\(name)'s fixture sets no \(epochsName)")
        #expect(epochs >= 2, "\(name)'s fixture trains too few epochs to stop halfway")
        let folder = try CatalogConformanceTests.scratch("resume-\(name)")
        let data = folder + "/data", checkpoints = folder + "/checkpoints"
        let uninterrupted = try Self.run(entry, full, data: data, checkpoints: nil, model: folder + "/whole")

        var half = full
        half[epochsName] = String(epochs / 2)
        let halfway = try Self.run(entry, half, data: data, checkpoints: checkpoints, model: folder + "/half")
        #expect(halfway != uninterrupted, "\(name): half the epochs should give another model")
        let resumed = try Self.run(entry, full, data: data, checkpoints: checkpoints, model: folder + "/resumed")
        #expect(resumed == uninterrupted, "\(name): training resumed after epoch \(epochs / 2) differs from uninterrupted training")
        // Resumed again with nothing left to train, the job finishes the same model.
        #expect(try Self.run(entry, full, data: data, checkpoints: checkpoints, model: folder + "/again") == uninterrupted)

        // Past the epochs asked for: refused.
        #expect(throws: (any Error).self) { try Self.run(entry, half, data: data, checkpoints: checkpoints, model: folder + "/fewer") }
        // Other hyperparameters: refused, naming the one that changed.
        var other = full
        let changed = try #require(entry.hyperparameters.first { ["mini_batch_size", "learning_rate", "eta"].contains($0.name) })
        other[changed.name] = changed.name == "mini_batch_size" ? "37" : "0.0123"
        do {
            _ = try Self.run(entry, other, data: data, checkpoints: checkpoints, model: folder + "/other")
            Issue.record("\(name): a checkpoint of other hyperparameters was used")
        } catch {
            #expect("\(error)".contains(changed.name) && "\(error)".contains(".checkpoint"), "\(error)")
        }
        // Damaged: refused (a truncated file and a flipped byte).
        let file = checkpoints + "/\(entry.name).checkpoint"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        for damaged in [bytes.prefix(bytes.count / 2), { var copy = bytes; copy[copy.count / 2] ^= 0x40; return copy }()] {
            try damaged.write(to: URL(fileURLWithPath: file))
            do {
                _ = try Self.run(entry, full, data: data, checkpoints: checkpoints, model: folder + "/damaged")
                Issue.record("\(name): a damaged checkpoint was used")
            } catch {
                #expect("\(error)".contains(file), "\(error)")
            }
        }
    }
}
