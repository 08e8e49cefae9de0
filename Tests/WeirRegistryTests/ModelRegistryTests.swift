import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirMath
import WeirRCF
import WeirRegistry
import WeirTestSupport

/// The snapshot envelope and the SQLite registry: what is refused, stage changes and
/// their audit log, rollback, and two processes publishing at once.
struct ModelRegistryTests {
    /// A forest's state with every stored value replaced by NaN (checksum resealed), as a
    /// corrupted trainer could write it: the forest API itself never learns a NaN.
    static func nonFinitePayload() -> [UInt8] {
        var bytes = Array(forestPayload().dropLast(4))
        // Header: magic 8, version 2, dimensions 4, trees 4, sample 4, decay 8, output after
        // 4, accept fraction 8, seed 8, updates 8, shingle flag 1; then the point store's
        // dimensions 4, step 4 and its value count 4.
        let countOffset = 8 + 2 + 4 + 4 + 4 + 8 + 4 + 8 + 8 + 8 + 1 + 4 + 4
        let count = Int(bytes[countOffset]) | Int(bytes[countOffset + 1]) << 8 | Int(bytes[countOffset + 2]) << 16
        for index in 0..<count {
            let offset = countOffset + 4 + index * 4
            bytes.replaceSubrange(offset..<(offset + 4), with: [0x00, 0x00, 0xC0, 0x7F])
        }
        var writer = BinaryWriter()
        writer.append(raw: bytes)
        writer.write(CRC32.checksum(bytes))
        return writer.bytes
    }

    static func forestPayload(seed: UInt64 = 1, values: Float = 0) -> [UInt8] {
        var configuration = RandomCutForest.Configuration(dimensions: 2)
        configuration.numberOfTrees = 10
        configuration.sampleSize = 32
        configuration.seed = seed
        let forest = RandomCutForest(configuration)
        var random = RandomSource(seed: seed)
        for _ in 0..<200 { forest.update([Float(random.normal()) + values, Float(random.normal())]) }
        return forest.encoded()
    }

    static func envelope(_ name: String = "m", payload: [UInt8] = forestPayload(), features: [String] = ["cpu", "latency"]) -> SnapshotEnvelope {
        SnapshotEnvelope(algorithm: "randomcutforest", modelName: name, featureSchemaHash: SnapshotEnvelope.schemaHash(of: features),
                         hyperparameters: ["num_trees": "10"], dataFingerprint: "abc", trainingJob: "test", metrics: ["test:f1": 0.9],
                         payload: payload)
    }

    @Test func envelopeRoundTripsAndRefusesDamage() throws {
        let original = Self.envelope()
        let bytes = original.encoded()
        #expect(try SnapshotEnvelope(encoded: bytes, name: "x") == original)
        // Truncated, corrupted, wrong magic, unknown format version: refused with the name.
        var flipped = bytes
        flipped[bytes.count / 2] ^= 1
        var future = bytes
        future[8] = 9  // the format version's low byte
        for (damaged, expected) in [(Array(bytes.prefix(bytes.count - 10)), "checksum"), (flipped, "checksum"),
                                    (Array("NOTASNAP".utf8) + bytes.dropFirst(8), "magic")] {
            #expect {
                try SnapshotEnvelope(encoded: damaged, name: "snap.bin")
            } throws: { error in
                String(describing: error).contains("snap.bin") && String(describing: error).contains(expected)
            }
        }
        // A future format version needs a valid checksum to be read at all: re-seal it.
        future = Array(future.dropLast(4))
        var sealed = BinaryWriter()
        sealed.append(raw: future)
        sealed.write(CRC32.checksum(future))
        #expect { try SnapshotEnvelope(encoded: sealed.bytes, name: "snap.bin") } throws: { error in
            String(describing: error).contains("format version 9")
        }
    }

    @Test func validatorRefusesSchemaMismatchNonFiniteValuesAndUnknownAlgorithms() throws {
        try SnapshotValidator(catalog: .weir).validate(Self.envelope(), features: ["cpu", "latency"])
        #expect { try SnapshotValidator(catalog: .weir).validate(Self.envelope(), features: ["latency", "cpu"]) } throws: { error in
            String(describing: error).contains("feature schema mismatch")
        }
        // A model published without names accepts any two features.
        let anonymous = Self.envelope(features: SnapshotValidator.positionalFeatures(2))
        try SnapshotValidator(catalog: .weir).validate(anonymous, features: ["a", "b"])
        #expect(throws: (any Error).self) { try SnapshotValidator(catalog: .weir).validate(anonymous, features: ["a", "b", "c"]) }
        #expect { try SnapshotValidator(catalog: .weir).validate(Self.envelope(payload: Self.nonFinitePayload())) } throws: { error in
            String(describing: error).contains("non-finite")
        }
        var other = Self.envelope()
        other.algorithm = "no-such-algorithm"
        #expect { try SnapshotValidator(catalog: .weir).validate(other) } throws: { error in String(describing: error).contains("unknown algorithm") }
    }

    @Test func stagesRollbackAndAudit() throws {
        let folder = try TestPaths.scratchFolder("registry")
        let registry = try ModelRegistry(directory: folder.path)
        for seed in 1...3 {
            try registry.publish(Self.envelope(payload: Self.forestPayload(seed: UInt64(seed)))) { try SnapshotValidator(catalog: .weir).validate($0) }
        }
        #expect(try registry.versions(of: "m").map(\.version) == [1, 2, 3])
        try registry.promote("m", version: 1, to: .production)
        let first = try registry.current("m")
        try registry.promote("m", version: 3, to: .production)
        let third = try registry.current("m")
        #expect(first.version?.version == 1 && third.version?.version == 3 && third.generation > first.generation)
        #expect(try registry.version("m", 1)?.stage == .archived)
        #expect(try registry.rollback("m", ifServing: 1) == nil, "v3 serves, so a guardrail on v1 does nothing")
        #expect(try registry.rollback("m")?.version == 1)
        #expect(try registry.current("m").version?.version == 1)
        #expect(try registry.version("m", 3)?.stage == .archived)
        #expect(throws: (any Error).self) { try registry.delete("m", version: 1) }
        try registry.delete("m", version: 2)
        #expect(try registry.versions(of: "m").map(\.version) == [1, 3])
        let loaded = try registry.load("m", version: 3)
        #expect(loaded.modelVersion == 3 && loaded.metrics["test:f1"] == 0.9)
        let actions = try registry.auditLog(of: "m").map { "\($0.action) v\($0.version) \($0.fromStage)->\($0.toStage)" }
        #expect(actions == ["publish v1 ->staging", "publish v2 ->staging", "publish v3 ->staging", "promote v1 staging->production",
                            "demote v1 production->archived", "promote v3 staging->production", "demote v3 production->archived",
                            "rollback v1 archived->production", "delete v2 staging->deleted"], "\(actions)")
        #expect(try registry.diff("m", 1, 3).contains("stage: production -> archived"))
        // A snapshot the validator refuses leaves nothing behind.
        #expect(throws: (any Error).self) {
            try registry.publish(Self.envelope(payload: [1, 2, 3])) { try SnapshotValidator(catalog: .weir).validate($0) }
        }
        #expect(try registry.versions(of: "m").count == 2)
    }

    /// Reading a registry (list, show, diff, load) changes nothing in its folder, works where
    /// SQLite cannot make its shared-memory file (a read-only folder), refuses writes, and
    /// never creates a registry.
    @Test func readingLeavesTheRegistryUntouched() throws {
        let folder = try TestPaths.scratchFolder("registry-read")
        do {
            let writer = try ModelRegistry(directory: folder.path)
            for seed in 1...2 { try writer.publish(Self.envelope(payload: Self.forestPayload(seed: UInt64(seed)))) }
            try writer.promote("m", version: 2, to: .production)
        }
        func listing() throws -> [String] {
            let names = try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted()
            return try names.map { name in
                let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
                return "\(name) \(attributes[.size] ?? 0) \(attributes[.modificationDate] ?? 0)"
            }
        }
        let before = try listing()
        #expect(!before.contains { $0.hasPrefix("registry.sqlite-wal ") }, "a closed registry is checkpointed: \(before)")
        let reader = try ModelRegistry(directory: folder.path, access: .read)
        #expect(try reader.versions(of: "m").map(\.version) == [1, 2])
        #expect(try reader.current("m").version?.version == 2)
        #expect(try reader.diff("m", 1, 2).contains("stage: staging -> production"))
        #expect(try reader.load("m", version: 1).modelVersion == 1)
        #expect(throws: (any Error).self) { try reader.promote("m", version: 1, to: .production) }
        #expect(try listing().filter { !$0.hasPrefix("registry.sqlite-shm ") && !$0.hasPrefix("registry.sqlite-wal ") } == before)

        // Where the shared-memory file cannot be made, the registry is still read (SQLite reads
        // a WAL database without it while no log exists, or Weir opens it as immutable).
        let shm = folder.appendingPathComponent("registry.sqlite-shm").path, wal = folder.appendingPathComponent("registry.sqlite-wal").path
        try? FileManager.default.removeItem(atPath: shm)
        try? FileManager.default.removeItem(atPath: wal)
        try FileManager.default.createDirectory(atPath: shm, withIntermediateDirectories: false)
        let frozen = try ModelRegistry(directory: folder.path, access: .read)
        #expect(try frozen.versions(of: "m").map(\.stage) == [.staging, .production])
        try FileManager.default.removeItem(atPath: shm)

        // A stream follows read-only and sees a version published after it opened.
        let follower = try ModelRegistry(directory: folder.path, access: .follow)
        #expect(try follower.current("m").version?.version == 2)
        let writer = try ModelRegistry(directory: folder.path, access: .write)
        try writer.publish(Self.envelope(payload: Self.forestPayload(seed: 3)), stage: .production)
        #expect(try follower.current("m").version?.version == 3)
        #expect(throws: (any Error).self) { try follower.rollback("m") }

        let missing = folder.appendingPathComponent("typo").path
        #expect(throws: (any Error).self) { try ModelRegistry(directory: missing, access: .read) }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    /// Two `weir models publish` processes at once, five times each: ten distinct
    /// versions, every payload loadable, the database intact.
    @Test func concurrentPublishersFromTwoProcesses() throws {
        let folder = try TestPaths.scratchFolder("registry-concurrent")
        let model = folder.appendingPathComponent("forest.rcf")
        try Data(Self.forestPayload()).write(to: model)
        let command = "\(TestPaths.weirBinary.path) models publish m --file forest.rcf --features cpu,latency --registry reg"
        let writers = try (0..<2).map { writer in
            try ChildProcess(executable: "/bin/sh", arguments: ["-c", Array(repeating: command, count: 5).joined(separator: " && ")],
                             directory: folder.path, stdoutPath: folder.appendingPathComponent("w\(writer).out").path,
                             stderrPath: folder.appendingPathComponent("w\(writer).err").path)
        }
        for writer in writers {
            #expect(writer.wait(seconds: 120))
            #expect(writer.terminationStatus == 0)
        }
        let registry = try ModelRegistry(directory: folder.appendingPathComponent("reg").path)
        let versions = try registry.versions(of: "m")
        #expect(versions.map(\.version) == Array(1...10))
        for version in versions { _ = try registry.load("m", version: version.version) }
    }
}
