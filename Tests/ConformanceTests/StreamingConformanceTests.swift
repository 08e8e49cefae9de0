import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirStream

/// Every streamable entry's online operator, on its fixture stream: a process that takes
/// the partition over mid-stream from changelog snapshots gives the same outputs as one
/// that never stopped, and the operator reports model verdicts.
@Suite(.serialized) struct StreamingConformanceTests {
    static let streamable = AlgorithmCatalog.weir.entries.filter { $0.streamable != nil }.map(\.name)

    static func operatorOf(_ entry: CatalogEntry, model: String) throws -> any KeyedStateOperator {
        let streamable = try #require(entry.streamable)
        let stream = try #require(entry.fixture.stream, "\(entry.name) ships no fixture stream")
        let spec = OnlineOperatorSpec(operatorName: streamable.operatorName, algorithm: entry.name, model: .file(model),
                                      settings: OperatorConfig(stream.settings))
        let op = try #require(OperatorFactory.make([.online(spec)], catalog: .weir).first as? any KeyedStateOperator)
        try op.open()
        return op
    }

    static func run(_ op: any KeyedStateOperator, _ stream: AlgorithmFixture.Stream, _ range: Range<Int>) throws -> [Int: [Event]] {
        var outputs: [Int: [Event]] = [:]
        for index in range {
            let (fields, time) = stream.events[index]
            var out: [Event] = []
            try op.process(Event(fields: fields, timestamp: time, origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(index))), into: &out)
            outputs[index] = out
        }
        return outputs
    }

    @Test(arguments: streamable) func aHandOffMidStreamGivesTheSameOutputsAndVerdictsAreReported(name: String) throws {
        let entry = try CatalogConformanceTests.entry(name)
        let stream = try #require(entry.fixture.stream)
        let model = try CatalogConformanceTests.train(entry).directory + "/model"
        let all = 0..<stream.events.count, half = stream.events.count / 2
        let whole = try Self.operatorOf(entry, model: model)
        let expected = try Self.run(whole, stream, all)

        let leaving = try Self.operatorOf(entry, model: model)
        _ = try Self.run(leaving, stream, 0..<half)
        let partition = PartitionID(topic: "t", partition: 0)
        let arriving = try Self.operatorOf(entry, model: model)
        for key in leaving.takeChangedKeys(partition: partition) {
            try arriving.restore(partition: partition, key: key, nextOffset: Int64(half),
                                 from: try #require(try leaving.snapshot(partition: partition, key: key)))
        }
        // The new owner re-reads a few records its restored states already learned (an
        // at-least-once resume): each comes out once, annotated as the original was (scored
        // on a copy of the state) or, for an algorithm whose state is a history that is past
        // them (DeepAR), untouched as a late record; the states learn each record once, so
        // every later output is unchanged.
        let reread = max(half - 6, 0)
        let resumed = try Self.run(arriving, stream, reread..<stream.events.count)
        var annotated = 0
        for index in reread..<half {
            let fields = { (events: [Event]?) in Set(events?.flatMap { $0.fields.keys } ?? []) }
            let got = fields(resumed[index]), input = Set(stream.events[index].fields.keys)
            #expect(resumed[index]?.count == expected[index]?.count, "\(name): re-read event \(index) dropped or repeated")
            #expect(got == fields(expected[index]) || got == input, "\(name): re-read event \(index) is half annotated: \(got.sorted())")
            if got == fields(expected[index]) && got != input { annotated += 1 }
        }
        if entry.name != "deepar" { #expect(annotated == half - reread, "\(name): re-read records left unscored") }
        for index in half..<stream.events.count {
            #expect(resumed[index] == expected[index], "\(name): event \(index) differs after the hand-off")
        }
        let counts = try #require((whole as? any VerdictReporting)?.verdictCounts, "\(name)'s operator reports no verdicts")
        #expect((counts["normal"] ?? 0) + (counts["anomalous"] ?? 0) > 0, "\(name): \(counts)")
    }
}
