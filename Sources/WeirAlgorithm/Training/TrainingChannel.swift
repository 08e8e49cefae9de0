#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import WeirFormats

/// A channel's data as a trainer reads it: in File mode the files under the channel's
/// folder (or one file), in a stable order, sharded among hosts when asked; in Pipe mode
/// the FIFO SageMaker opens for each epoch (`<folder>/../<channel>_<epoch>`), read once
/// and in order. Rows are decoded in the channel's content type or by file extension.
public struct TrainingChannel: Sendable {
    public let config: ChannelConfig
    /// The channel folder or file (File mode), or the folder holding the FIFOs (Pipe mode).
    public let path: String

    public init(config: ChannelConfig, path: String) {
        self.config = config
        self.path = path
    }

    /// The data files of this host in File mode: every file for `FullyReplicated`, every
    /// `hostCount`-th one for `ShardedByS3Key` (hidden files and `.manifest` skipped).
    public func files(hostIndex: Int = 0, hostCount: Int = 1) throws(FormatError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FormatError(input: path, .none, field: "channel \(config.name)", "no such file or folder")
        }
        var all: [String]
        if isDirectory.boolValue {
            guard let enumerator = FileManager.default.enumerator(atPath: path) else {
                throw FormatError(input: path, .none, field: "channel \(config.name)", "cannot list the folder")
            }
            all = []
            while let relative = enumerator.nextObject() as? String {
                let full = (path as NSString).appendingPathComponent(relative)
                var directory: ObjCBool = false
                let name = (relative as NSString).lastPathComponent
                if FileManager.default.fileExists(atPath: full, isDirectory: &directory), !directory.boolValue,
                   !name.hasPrefix("."), !name.hasSuffix(".manifest") {
                    all.append(full)
                }
            }
            all.sort()
        } else {
            all = [path]
        }
        guard !all.isEmpty else { throw FormatError(input: path, .none, field: "channel \(config.name)", "the channel holds no files") }
        guard config.distribution == .shardedByS3Key, hostCount > 1 else { return all }
        return all.enumerated().filter { $0.offset % hostCount == hostIndex }.map(\.element)
    }

    /// The FIFO of `epoch` in Pipe mode.
    public func pipePath(epoch: Int) -> String {
        (path as NSString).deletingLastPathComponent + "/\(config.name)_\(epoch)"
    }

    /// The format of `file` in this channel: from the content type, else the extension.
    public func format(of file: String) throws(FormatError) -> DataFormat {
        if let contentType = config.contentType {
            guard let format = DataFormat.fromContentType(contentType) else {
                throw FormatError(input: file, .none, field: "channel \(config.name)", "unsupported content type '\(contentType)'")
            }
            return format
        }
        guard let format = DataFormat.inferred(from: file) else {
            throw FormatError(input: file, .none, field: "channel \(config.name)",
                              "no content type given and the extension does not name a format (csv, libsvm, rec, jsonl)")
        }
        return format
    }

    /// Reading options implied by the content type (CSV `label_size`).
    public var readOptions: DataRowSource.Options {
        var options = DataRowSource.Options()
        if let contentType = config.contentType, let csv = CSVDataReader.Options.fromContentType(contentType) {
            options.csv = csv
        }
        options.recordIOWrapped = config.recordWrapper == .recordIO
        return options
    }

    /// What one epoch reads: the epoch's FIFO in Pipe mode, else this host's files.
    public func sources(epoch: Int, hostIndex: Int = 0, hostCount: Int = 1) throws(FormatError) -> [String] {
        config.inputMode == .pipe ? [pipePath(epoch: epoch)] : try files(hostIndex: hostIndex, hostCount: hostCount)
    }

    /// Calls `body` with every row of one epoch, in file order; returns the rows read.
    @discardableResult
    public func forEachRow(epoch: Int, hostIndex: Int = 0, hostCount: Int = 1,
                           _ body: (DataRow) throws -> Void) throws -> Int {
        let sources = try self.sources(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount)
        var count = 0
        for file in sources {
            let format = try self.format(of: config.inputMode == .pipe && config.contentType == nil ? path : file)
            let source = try DataRowSource(path: file, format: format, options: readOptions)
            while let row = try source.next() {
                try body(row)
                count += 1
            }
        }
        return count
    }

    /// Calls `body` with every record of one epoch as text fields (CSV only: IP Insights'
    /// `entity,address` pairs), with the file and 1-based line for error messages.
    @discardableResult
    public func forEachTextRecord(epoch: Int, hostIndex: Int = 0, hostCount: Int = 1,
                                  _ body: ([ArraySlice<UInt8>], String, Int64) throws -> Void) throws -> Int {
        let sources = try self.sources(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount)
        var count = 0
        for file in sources {
            let format = try self.format(of: config.inputMode == .pipe && config.contentType == nil ? path : file)
            guard format == .csv else {
                throw FormatError(input: file, .none, field: "channel \(config.name)", "expected CSV (text/csv), found \(format)")
            }
            let reader = try CSVTextReader(path: file)
            while try reader.next({ fields in try body(fields, file, reader.line) }) { count += 1 }
        }
        return count
    }

    /// Every series of one epoch (DeepAR's JSON lines), with the file and line of each.
    @discardableResult
    public func forEachSeries(epoch: Int, hostIndex: Int = 0, hostCount: Int = 1,
                              _ body: (TimeSeriesEntry, String, Int64) throws -> Void) throws -> Int {
        var count = 0
        for file in try sources(epoch: epoch, hostIndex: hostIndex, hostCount: hostCount) {
            let reader = try TimeSeriesReader(path: file)
            while let entry = try reader.next() {
                try body(entry, file, reader.line)
                count += 1
            }
        }
        return count
    }
}
