import Foundation
import Testing
import WeirCore
import WeirStream

/// Key state files: any key has a file of its own (long keys, any bytes), states carry the
/// offset they learned up to, and damage is an error naming the file.
struct DetectorStateDirectoryTests {
    static func directory() throws -> DetectorStateDirectory {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-state-dir-\(UUID().uuidString)")
        return DetectorStateDirectory(path: folder.path, fileExtension: "state")
    }

    let partition = PartitionID(topic: "events", partition: 3)

    @Test func anyKeyHasAFileOfItsOwn() throws {
        let store = try Self.directory()
        let prefix = String(repeating: "p", count: 200)
        let keys = ["", "a", "../../etc/passwd", "x\n\0/y", String(repeating: "é", count: 400), prefix + "1", prefix + "2",
                    String(repeating: "k", count: 5_000)]
        for (index, key) in keys.enumerated() {
            try store.save([UInt8(index), 7], partition: partition, key: key, learnedUntil: Int64(index * 10))
        }
        for (index, key) in keys.enumerated() {
            let stored = try #require(try store.load(partition: partition, key: key), "key \(index)")
            #expect(stored.state == [UInt8(index), 7] && stored.learnedUntil == Int64(index * 10), "key \(index)")
        }
        #expect(try store.load(partition: partition, key: prefix + "3") == nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: store.folder(partition: partition))
        #expect(names.count == keys.count)
        #expect(names.allSatisfy { $0.utf8.count <= 255 && !$0.contains("/") })
    }

    @Test func discardingKeepsStatesAtOrBehindTheResumeOffset() throws {
        let store = try Self.directory()
        for (key, offset) in [("behind", Int64(5)), ("at", 10), ("ahead", 11), (String(repeating: "z", count: 300), 40)] {
            try store.save([1], partition: partition, key: key, learnedUntil: offset)
        }
        // An earlier release's file (the state alone) records no offset and is kept.
        try Data([9, 9]).write(to: URL(fileURLWithPath: store.file(partition: partition, key: "legacy")))
        #expect(try store.discardStates(partition: partition, learnedBeyond: 10) == 2)
        #expect(try store.load(partition: partition, key: "behind") != nil)
        #expect(try store.load(partition: partition, key: "at") != nil)
        #expect(try store.load(partition: partition, key: "ahead") == nil)
        #expect(try store.load(partition: partition, key: String(repeating: "z", count: 300)) == nil)
        #expect(try store.load(partition: partition, key: "legacy")?.state == [9, 9])
        #expect(try store.discardStates(partition: PartitionID(topic: "none", partition: 0), learnedBeyond: 0) == 0)
    }

    @Test func aDamagedFileIsAnErrorNamingIt() throws {
        let store = try Self.directory()
        try store.save(Array(repeating: 3, count: 64), partition: partition, key: "host-1", learnedUntil: 12)
        let file = store.file(partition: partition, key: "host-1")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        #expect {
            try store.load(partition: partition, key: "host-1")
        } throws: { error in
            "\(error)".contains(file) && "\(error)".contains("checksum")
        }
    }
}
