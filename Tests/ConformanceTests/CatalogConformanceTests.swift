import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirFormats
import WeirRegistry

/// One suite over every catalogue entry: what any algorithm must do, checked the same way
/// for each, on the small fixture the entry ships. A new algorithm passes it or does not
/// land.
@Suite(.serialized) struct CatalogConformanceTests {
    static let names = AlgorithmCatalog.weir.names

    static func entry(_ name: String) throws -> CatalogEntry { try AlgorithmCatalog.weir.entry(named: name) }

    static func scratch(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-conformance-\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Trains the entry on its fixture in a fresh folder; returns the snapshot and the folder.
    static func train(_ entry: CatalogEntry) throws -> (snapshot: [UInt8], directory: String) {
        let directory = try scratch(entry.name)
        let channels = try entry.fixture.channels(directory + "/data")
        let spec = TrainingJobSpec(hyperparameters: entry.fixture.hyperparameters, channels: channels, modelDirectory: directory + "/model")
        let snapshot = try TrainingRunner.run(entry.name, catalog: .weir, spec: spec, metrics: MetricsReporter { _ in }, log: { _ in })
        return (snapshot, directory)
    }

    // MARK: hyperparameters

    @Test(arguments: names) func hyperparameterBoundsUnknownAndMissingNamesAreTypedErrors(name: String) throws {
        let entry = try Self.entry(name)
        let base = entry.fixture.hyperparameters
        try entry.checkHyperparameters(base)
        for definition in entry.hyperparameters {
            var outside: [String] = []
            switch definition.kind {
            case .integer(let range?):
                if range.lowerBound > Int.min { outside.append(String(range.lowerBound - 1)) }
                if range.upperBound < Int.max { outside.append(String(range.upperBound + 1)) }
                outside.append("1.5")
            case .real(let range?):
                outside += [String(range.lowerBound - max(1, abs(range.lowerBound))), String(range.upperBound + max(1, abs(range.upperBound))), "NaN"]
            case .boolean: outside.append("maybe")
            case .choice: outside.append("no-such-choice")
            case .realList: outside.append("not-a-list")
            case .custom: outside.append("%%%")
            default: break
            }
            for value in outside {
                var raw = base
                raw[definition.name] = value
                #expect(throws: HyperparameterError.self, "\(name): \(definition.name)=\(value) must be refused") {
                    try entry.checkHyperparameters(raw)
                }
                do { try entry.checkHyperparameters(raw) } catch { #expect(error.name == definition.name || error.description.contains(definition.name)) }
            }
        }
        var unknown = base
        unknown["no_such_parameter"] = "1"
        #expect { try entry.checkHyperparameters(unknown) } throws: { ($0 as? HyperparameterError)?.name == "no_such_parameter" }
        for required in entry.hyperparameters where required.isRequired {
            var missing = base
            missing[required.name] = nil
            #expect { try entry.checkHyperparameters(missing) } throws: { ($0 as? HyperparameterError)?.name == required.name }
        }
        var injected = base
        injected["_tuning_objective_metric"] = "test:f1"
        injected["sagemaker_job_name"] = "x"
        #expect(try entry.checkHyperparameters(injected) == ["_tuning_objective_metric", "sagemaker_job_name"])
    }

    // MARK: snapshots

    @Test(arguments: names) func sameSeedSameBytesAndRoundTripIsByteIdentical(name: String) throws {
        let entry = try Self.entry(name)
        let first = try Self.train(entry)
        let second = try Self.train(entry)
        #expect(first.snapshot == second.snapshot, "\(name): the same seed must give the same snapshot")
        let model = try entry.decode(snapshot: first.snapshot, name: name)
        #expect(model.snapshot() == first.snapshot, "\(name): save -> load -> save must give the same bytes")
        if let path = ProcessInfo.processInfo.environment["WEIR_WRITE_CONFORMANCE_SNAPSHOTS"] {
            try Data(first.snapshot).write(to: URL(fileURLWithPath: path + "/\(name).snapshot"))
        }
    }

    /// Snapshots committed when each format was current keep loading, and re-encode as
    /// the current format does.
    @Test(arguments: names) func committedSnapshotsKeepLoading(name: String) throws {
        let entry = try Self.entry(name)
        let folder = try #require(Bundle.module.resourceURL).appendingPathComponent("Snapshots")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(name + ".") }
        #expect(!files.isEmpty, "\(name) has no committed snapshot in Tests/ConformanceTests/Snapshots")
        for file in files {
            let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(file)))
            let model = try entry.decode(snapshot: bytes, name: file)
            let again = try entry.decode(snapshot: model.snapshot(), name: file)
            #expect(again.snapshot() == model.snapshot())
        }
    }

    @Test(arguments: names) func damagedSnapshotsAreRefusedWithoutATrap(name: String) throws {
        let entry = try Self.entry(name)
        let bytes = try Self.train(entry).snapshot
        var random = SystemRandomNumberGenerator()
        var damaged: [(String, [UInt8])] = [("empty", [])]
        for length in [1, 8, 12, bytes.count / 3, bytes.count / 2, bytes.count - 5, bytes.count - 1] where length < bytes.count {
            damaged.append(("truncated to \(length)", Array(bytes.prefix(length))))
        }
        for _ in 0..<40 {
            var flipped = bytes
            let index = Int.random(in: 0..<flipped.count, using: &random)
            flipped[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
            damaged.append(("bit flip at \(index)", flipped))
        }
        for _ in 0..<10 where bytes.count > 24 {
            var filled = bytes
            let at = Int.random(in: 8..<(filled.count - 12), using: &random)
            withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { nan in for (offset, byte) in nan.enumerated() { filled[at + offset] = byte } }
            damaged.append(("NaN written at \(at)", filled))
        }
        for (what, input) in damaged where input != bytes {
            #expect(throws: (any Error).self, "\(name): a snapshot \(what) must be refused") {
                try entry.decode(snapshot: input, name: "damaged")
            }
        }
    }

    /// The registry takes the catalogue's snapshots and refuses an algorithm it lacks.
    @Test(arguments: names) func registryValidatesThroughTheCatalogue(name: String) throws {
        let entry = try Self.entry(name)
        let bytes = try Self.train(entry).snapshot
        let validator = SnapshotValidator(catalog: .weir)
        let inputs = try entry.decode(snapshot: bytes, name: name).inputCount
        let features = inputs.map { SnapshotValidator.positionalFeatures($0) }
        let envelope = SnapshotEnvelope(algorithm: entry.name, modelName: "m",
                                        featureSchemaHash: SnapshotEnvelope.schemaHash(of: features ?? []), payload: bytes)
        try validator.validate(envelope, features: features)
        var other = envelope
        other.algorithm = "no-such-algorithm"
        #expect(throws: (any Error).self) { try validator.validate(other) }
    }

    // MARK: quality

    @Test(arguments: names) func qualityBeatsATrivialBaseline(name: String) throws {
        let entry = try Self.entry(name)
        let (snapshot, directory) = try Self.train(entry)
        let quality = try entry.fixture.quality(snapshot, directory + "/data")
        #expect(quality.beatsBaseline, "\(name): \(quality)")
    }
}
