import Foundation
import Testing
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirFormats

/// Every servable entry answers N requests with N responses in every content and accept
/// type it declares, answers the same after a snapshot round trip, and refuses bad
/// requests with an error naming the record and field.
@Suite(.serialized) struct ServingConformanceTests {
    static let servable = AlgorithmCatalog.weir.entries.filter { $0.predictorInput != nil }.map(\.name)

    /// The fixture's requests encoded in `contentType`; nil when the form cannot carry them.
    static func body(_ requests: AlgorithmFixture.Requests, contentType: String, into path: String, zeroBasedLibSVM: Bool = false) throws -> Int? {
        switch requests {
        case .numeric(let rows):
            switch contentType {
            case "text/libsvm" where zeroBasedLibSVM:
                let lines = rows.map { row in
                    (["0"] + row.enumerated().map { "\($0.offset):\(NumberText.format($0.element))" }).joined(separator: " ")
                }
                try write(Array((lines.joined(separator: "\n") + "\n").utf8), path)
            case "application/json":
                let instances = rows.map { JSONValue.object(JSONObject([("features", .array($0.map(JSONValue.number)))])) }
                try write(JSONWriter.bytes(of: .object(JSONObject([("instances", .array(instances))]))), path)
            default:
                let format = try #require(DataFormat.fromContentType(contentType))
                let sink = try DataRowSink(path: path, format: format)
                for row in rows {
                    let features: FeatureVector = format == .libsvm
                        ? .sparse(indices: Array(row.indices), values: row, dimension: row.count) : .dense(row)
                    try sink.append(DataRow(features: features, label: format == .libsvm ? [0] : []))
                }
                try sink.close()
            }
            return rows.count
        case .text(let records):
            switch contentType {
            case "text/csv": try write(Array(records.map { $0.joined(separator: ",") }.joined(separator: "\n").utf8) + [0x0A], path)
            case "application/json":
                let instances = records.map { JSONValue.object(JSONObject([("features", .array($0.map(JSONValue.string)))])) }
                try write(JSONWriter.bytes(of: .object(JSONObject([("instances", .array(instances))]))), path)
            default:
                let lines = records.map { JSONWriter.string(of: .object(JSONObject([("features", .array($0.map(JSONValue.string)))]))) }
                try write(Array(lines.joined(separator: "\n").utf8) + [0x0A], path)
            }
            return records.count
        case .instances(let instances, let configuration):
            if contentType == "application/json" {
                var document = JSONObject([("instances", .array(instances.map(JSONValue.object)))])
                if let configuration { document.set("configuration", .object(configuration)) }
                try write(JSONWriter.bytes(of: .object(document)), path)
            } else {
                try write(Array(instances.map { JSONWriter.string(of: .object($0)) }.joined(separator: "\n").utf8) + [0x0A], path)
            }
            return instances.count
        case .none:
            return nil
        }
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// How many responses a response body holds.
    static func responseCount(_ bytes: [UInt8], accept: BatchInference.ResponseType, arrayKey: String) throws -> Int {
        switch accept {
        case .json:
            guard case .object(let document) = try JSONParser.parse(bytes), case .array(let items)? = document[arrayKey] else { return -1 }
            return items.count
        case .jsonLines, .csv:
            return bytes.split(separator: 0x0A).count
        case .recordIO:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-conformance-\(UUID().uuidString).rec").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let reader = try RecordIOReader(path: path)
            var count = 0
            while try reader.next() != nil { count += 1 }
            return count
        }
    }

    @Test(arguments: servable) func everyContentAndAcceptTypeAnswersOneResponsePerRequest(name: String) throws {
        let entry = try CatalogConformanceTests.entry(name)
        let input = try #require(entry.predictorInput)
        let (snapshot, directory) = try CatalogConformanceTests.train(entry)
        let predictor = try entry.predictor(snapshot: snapshot, name: name)
        let reloaded = try entry.predictor(snapshot: try entry.decode(snapshot: snapshot, name: name).snapshot(), name: name)
        let arrayKey = type(of: predictor).responseArrayKey
        for contentType in input.contentTypes {
            let request = directory + "/request-\(contentType.replacingOccurrences(of: "/", with: "_"))"
            let count = try #require(try Self.body(entry.fixture.requests, contentType: contentType, into: request, zeroBasedLibSVM: entry.predictorReadsZeroBasedLibSVM), "\(name) ships no requests")
            for acceptText in input.acceptTypes {
                let accept = try #require(BatchInference.ResponseType(accept: acceptText))
                let out = directory + "/response", again = directory + "/response-again"
                let answered = try BatchInference.run(predictor: predictor, input: request, contentType: contentType, accept: accept, output: out)
                #expect(answered == count, "\(name) \(contentType) -> \(acceptText)")
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: out)))
                #expect(try Self.responseCount(bytes, accept: accept, arrayKey: arrayKey) == count, "\(name) \(contentType) -> \(acceptText)")
                _ = try BatchInference.run(predictor: reloaded, input: request, contentType: contentType, accept: accept, output: again)
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: again))) == bytes,
                        "\(name) \(contentType) -> \(acceptText): a reloaded model must answer the same")
            }
        }
    }

    @Test(arguments: servable) func badRequestsNameTheRecordAndField(name: String) throws {
        let entry = try CatalogConformanceTests.entry(name)
        let (snapshot, directory) = try CatalogConformanceTests.train(entry)
        let predictor = try entry.predictor(snapshot: snapshot, name: name)
        #expect(!entry.fixture.badRequests.isEmpty, "\(name) ships no bad requests")
        for (index, bad) in entry.fixture.badRequests.enumerated() {
            let request = directory + "/bad-\(index)"
            try Data(bad.body.utf8).write(to: URL(fileURLWithPath: request))
            do {
                _ = try BatchInference.run(predictor: predictor, input: request, contentType: bad.contentType, accept: .json, output: directory + "/out")
                Issue.record("\(name): \(bad.body) was answered")
            } catch {
                #expect("\(error)".contains(bad.errorMentions), "\(name): '\(error)' should name \(bad.errorMentions)")
                #expect("\(error)".contains(request), "\(name): '\(error)' should name the request file")
            }
        }
    }
}
