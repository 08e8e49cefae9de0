import Foundation
import WeirCore

/// Keeps detectors' encoded states on disk, one file per partition and key, written
/// atomically (a temporary file renamed over the old one). This is where online operators
/// spill idle key states so their memory stays bounded with many keys.
public struct DetectorStateDirectory: Sendable {
    public let path: String
    /// The extension of the state files (`trcf` for the random cut forest operator's).
    public let fileExtension: String

    public init(path: String, fileExtension: String) {
        self.path = path
        self.fileExtension = fileExtension
    }

    /// The file of one key: the partition as a folder, the key in hexadecimal (any bytes).
    public func file(partition: PartitionID, key: String) -> String {
        let name = key.utf8.isEmpty ? "_" : key.utf8.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "\(path)/\(partition.topic)-\(partition.partition)/\(name).\(fileExtension)"
    }

    public func save(_ bytes: [UInt8], partition: PartitionID, key: String) throws {
        let target = file(partition: partition, key: key)
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = target + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, target) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target]) }
    }

    /// The saved state of a key, or nil when none was saved.
    public func load(partition: PartitionID, key: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(partition: partition, key: key)).map { [UInt8]($0) }
    }
}
