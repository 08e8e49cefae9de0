import Foundation
import Testing
import WeirFormats
import WeirTestSupport
import WeirAlgorithm
import WeirCatalog

struct ChannelTests {
    func folder(_ name: String) throws -> String {
        try TestPaths.scratchFolder(name).path
    }

    @Test func shardedChannelsSplitFilesAmongHostsAndReplicatedOnesDoNot() throws {
        let base = try folder("channel-shards")
        for index in 0..<5 { try "\(index),1\n".write(toFile: "\(base)/part-\(index).csv", atomically: true, encoding: .utf8) }
        try "hidden".write(toFile: "\(base)/.hidden", atomically: true, encoding: .utf8)
        let sharded = TrainingChannel(config: ChannelConfig(name: "train", distribution: .shardedByS3Key), path: base)
        let first = try sharded.files(hostIndex: 0, hostCount: 2), second = try sharded.files(hostIndex: 1, hostCount: 2)
        #expect(first.map { ($0 as NSString).lastPathComponent } == ["part-0.csv", "part-2.csv", "part-4.csv"])
        #expect(second.map { ($0 as NSString).lastPathComponent } == ["part-1.csv", "part-3.csv"])
        let replicated = TrainingChannel(config: ChannelConfig(name: "train"), path: base)
        #expect(try replicated.files(hostIndex: 1, hostCount: 2).count == 5)
        var labels: [Double] = []
        try replicated.forEachRow(epoch: 0) { labels.append($0.label[0]) }
        #expect(labels == [0, 1, 2, 3, 4])
        #expect(throws: FormatError.self) { try TrainingChannel(config: ChannelConfig(name: "train"), path: base + "/missing").files() }
    }

    /// `RecordWrapperType: RecordIO`: an augmented manifest's JSON lines arrive as RecordIO
    /// records; each is one row, and a record that is not JSON is named by its byte offset.
    @Test func recordIOWrappedAugmentedManifestReadsOneRowPerRecord() throws {
        let base = try folder("channel-recordio-wrapped")
        let path = base + "/manifest.rec"
        let writer = try RecordIOWriter(path: path)
        for index in 0..<5 { try writer.append(Array(#"{"source-ref":"s3://b/\#(index)","features":[\#(index),1.5],"label":\#(index % 2)}"#.utf8)) }
        try writer.close()
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "application/jsonlines", recordWrapper: .recordIO), path: path)
        var rows: [DataRow] = []
        try channel.forEachRow(epoch: 0) { rows.append($0) }
        #expect(rows.map(\.features.denseValues) == (0..<5).map { [Double($0), 1.5] })
        #expect(rows.map(\.label) == (0..<5).map { [Double($0 % 2)] })
        let bad = base + "/bad.rec"
        let badWriter = try RecordIOWriter(path: bad)
        try badWriter.append(Array(#"{"features":[1]}"#.utf8))
        try badWriter.append(Array("not json".utf8))
        try badWriter.close()
        let badChannel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "application/jsonlines", recordWrapper: .recordIO), path: bad)
        do {
            try badChannel.forEachRow(epoch: 0) { _ in }
            Issue.record("expected an error")
        } catch {
            // The second record starts after the first one's 8-byte header and padded payload.
            #expect(String(describing: error).contains("\(bad): byte 24"), "\(error)")
        }
    }

    @Test func shuffleBufferPermutesWithBoundedMemoryAndBatcherGroups() {
        var buffer = ShuffleBuffer<Int>(capacity: 16, seed: 3)
        var out: [Int] = []
        for value in 0..<1_000 { if let emitted = buffer.add(value) { out.append(emitted) } }
        out += buffer.finish()
        #expect(out.sorted() == Array(0..<1_000))
        #expect(out != Array(0..<1_000))
        // Bounded: nothing leaves more than the buffer's reach ahead of its position.
        #expect(out.enumerated().allSatisfy { $0.element <= $0.offset + 16 })
        var batcher = MiniBatcher<Int>(size: 4)
        var batches: [[Int]] = []
        for value in 0..<10 { if let batch = batcher.add(value) { batches.append(batch) } }
        if let last = batcher.finish() { batches.append(last) }
        #expect(batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    }

    /// Pipe mode: each epoch is a FIFO named `<channel>_<epoch>`, read once, in order.
    @Test func pipeModeReadsOneFIFOPerEpoch() throws {
        let base = try folder("channel-pipe")
        let channelFolder = base + "/train"
        try FileManager.default.createDirectory(atPath: channelFolder, withIntermediateDirectories: true)
        for epoch in 0..<2 { #expect(mkfifo("\(base)/train_\(epoch)", 0o600) == 0) }
        let writer = Thread {
            for epoch in 0..<2 {
                let handle = FileHandle(forWritingAtPath: "\(base)/train_\(epoch)")!
                let rows = (0..<1_000).map { "\(epoch),\($0)" }.joined(separator: "\n") + "\n"
                handle.write(Data(rows.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let channel = TrainingChannel(config: ChannelConfig(name: "train", contentType: "text/csv", inputMode: .pipe), path: channelFolder)
        for epoch in 0..<2 {
            var rows: [DataRow] = []
            let count = try channel.forEachRow(epoch: epoch) { rows.append($0) }
            #expect(count == 1_000)
            #expect(rows.allSatisfy { $0.label == [Double(epoch)] })
            #expect(rows.last?.features == .dense([999]))
        }
    }
}
