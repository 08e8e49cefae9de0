import Foundation
import WeirAlgorithm
import WeirCatalog
import WeirCore
import WeirFormats
import WeirRegistry
import WeirStream

/// Every reader and decoder a user's bytes reach, as fuzz targets seeded from the
/// project's own datasets, topologies and committed model snapshots.
public enum FuzzTargets {
    /// The repository root (this file is Tests/WeirFuzzing/FuzzTargets.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func file(_ relative: String, lines: Int? = nil) -> [UInt8] {
        let bytes = Array((try? Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))) ?? Data())
        guard let lines else { return bytes }
        return Array(bytes.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(lines).joined(separator: [0x0A])) + [0x0A]
    }

    static func snapshots(_ algorithm: String) -> [[UInt8]] {
        let folder = root + "/Tests/ConformanceTests/Snapshots"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(algorithm + ".") }.sorted()
        return names.map { Array((try? Data(contentsOf: URL(fileURLWithPath: folder + "/" + $0))) ?? Data()) }
    }

    /// All targets; `scratch` is a folder for model folders and outputs.
    public static func all(scratch: String) throws -> [FuzzTarget] {
        try dataReaders() + [seriesReader(), topology()] + streams(scratch: scratch) + models() + [registryEnvelope()] + predictions(scratch: scratch)
    }

    // MARK: data files

    static func dataReaders() -> [FuzzTarget] {
        let seeds: [(DataFormat, [[UInt8]])] = [
            (.csv, [Array("1,0.5,2\n0,\"3.25\",4e2\n1,,-7\n".utf8), file("datasets/anomaly/spikes.csv", lines: 20)]),
            (.libsvm, [Array("1 qid:2 1:0.5 4:2\n0,1 2:-1 # c\n-1\n".utf8), Array("3 1:1 2:2 3:3\n".utf8)]),
            (.jsonLines, [Array((#"{"features":[1,2.5,null],"label":1}"# + "\n" + #"{"data":{"features":{"values":[4,6],"keys":[0,2],"shape":[3]}}}"#).utf8),
                          Array(#"{"source":{"features":{"values":[1],"keys":[7],"shape":[9]}},"label":[0,1]}"#.utf8)]),
            (.recordIO, [RecordIOWriter.frame(RecordProtobuf.encode(DataRow(features: .sparse(indices: [0, 2], values: [4, 6], dimension: 3), label: [1])))
                         + RecordIOWriter.frame(RecordProtobuf.encode(DataRow(features: .dense([1, 2, 3]), label: [0])))]),
        ]
        return seeds.map { format, seeds in
            FuzzTarget(name: "data-\(format.rawValue)", seeds: seeds, mutation: format == .recordIO ? .binary(checksummed: false) : .text) { path in
                var options = DataRowSource.Options()
                options.featuresAttribute = path.hasSuffix("x") ? "source" : "features"
                let source = try DataRowSource(path: path, format: format, options: options)
                var count = 0
                while let row = try source.next(), count < 100_000 {
                    count += 1
                    _ = RecordProtobuf.encode(row) // every row read can be written again
                }
                return count
            }
        }
    }

    static func seriesReader() -> FuzzTarget {
        FuzzTarget(name: "deepar-series", seeds: [file("datasets/forecast/train.jsonl", lines: 3),
                                                  Array(#"{"start":"2020-01-01","target":[1,"NaN",null,3],"cat":[0,2],"dynamic_feat":[[1,2,3,4]]}"#.utf8)],
                   mutation: .text) { path in
            let reader = try TimeSeriesReader(path: path)
            var count = 0
            while try reader.next() != nil { count += 1 }
            return count
        }
    }

    static func topology() -> FuzzTarget {
        let folder = root + "/topologies"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return FuzzTarget(name: "topology", seeds: names.map { file("topologies/" + $0) }, mutation: .text) { path in
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            _ = try TopologyLoader.parse(text, file: path, catalog: .weir)
            return 1
        }
    }

    // MARK: streams

    /// A model folder holding the newest committed snapshot of `algorithm`.
    static func modelFolder(_ algorithm: String, scratch: String) throws -> String {
        let entry = try AlgorithmCatalog.weir.entry(named: algorithm)
        let folder = scratch + "/model-\(algorithm)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(snapshots(algorithm).last ?? []).write(to: URL(fileURLWithPath: folder + "/" + entry.info.modelFile))
        return folder
    }

    static func streams(scratch: String) throws -> [FuzzTarget] {
        let deepar = try modelFolder("deepar", scratch: scratch), ipinsights = try modelFolder("ipinsights", scratch: scratch)
        let topologies: [(String, String, [[UInt8]])] = [
            ("stream-json-forest", """
                decode: {format: json, timestamp_field: ts}
                schema: {key: host, features: [cpu, latency_ms], missing: nan}
                operators:
                  - random_cut_forest: {shingle_size: 2, num_trees: 5, sample_size: 16, transform: normalize, output_after: 2}
                """, [file("datasets/metrics/hosts.jsonl", lines: 40)]),
            ("stream-csv-forest", """
                decode: {format: csv, columns: [ts, sensor, temperature], timestamp_field: ts}
                schema: {key: sensor, features: [temperature]}
                operators:
                  - random_cut_forest: {shingle_size: 3, num_trees: 5, sample_size: 16, output_after: 2}
                  - key_by: {field: sensor}
                  - count_by_key: {}
                """, [Array("1714564800,s-0,20.25\n1714564860,s-0,20.5\n1714564920,s-1,\"19.0\"\n1714564980,s-0,99\n".utf8)]),
            ("stream-access-log-ipinsights", """
                decode: {format: access_log, timestamp_field: time}
                operators:
                  - filter: {field: user, op: exists}
                  - ip_insights: {model: \(ipinsights), unseen_entity: alert}
                """, [file("datasets/weblog/access.log", lines: 10)]),
            ("stream-json-deepar", """
                decode: {format: json, timestamp_field: ts}
                operators:
                  - deepar_forecast: {model: \(deepar), key_field: series, value_field: value, every: 3, num_samples: 5}
                """, [file("datasets/forecast/observations.jsonl", lines: 30)]),
        ]
        return try topologies.map { name, body, seeds in
            let spec = try TopologyLoader.parse("name: \(name)\nsource: {file: {path: in}}\n" + body + "\nsinks: [stdout: {}]\n", file: name, catalog: .weir)
            return FuzzTarget(name: name, seeds: seeds, mutation: .text) { path in
                // A fresh processor per input: state from one case never hides another's trap.
                let processor = RecordProcessor(spec: spec, catalog: .weir)
                try processor.open()
                defer { try? processor.close() }
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                var outputs: [Event] = []
                var delivered = 0
                for (offset, line) in bytes.split(separator: 0x0A).enumerated() {
                    let record = RawRecord(key: nil, value: Array(line), origin: RecordOrigin(topic: "fuzz-input", partition: 0, offset: Int64(offset)))
                    do { try processor.transform(record, into: &outputs) } catch { continue } // a dead letter: the stream goes on
                    delivered += 1
                }
                return delivered
            }
        }
    }

    // MARK: models, registry, requests

    static func models() -> [FuzzTarget] {
        AlgorithmCatalog.weir.names.map { name in
            FuzzTarget(name: "model-\(name)", seeds: snapshots(name), mutation: .binary(checksummed: true)) { path in
                let entry = try AlgorithmCatalog.weir.entry(named: name)
                let model = try entry.decode(snapshot: Array(try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
                _ = model.snapshot()
                return 1
            }
        }
    }

    static func registryEnvelope() -> FuzzTarget {
        let seeds = AlgorithmCatalog.weir.names.compactMap { name in snapshots(name).last.map { (name, $0) } }.map { name, payload in
            SnapshotEnvelope(algorithm: name, modelName: "demo", modelVersion: 3, featureSchemaHash: SnapshotEnvelope.schemaHash(of: ["a", "b"]),
                             hyperparameters: ["seed": "1"], dataFingerprint: "abc", trainingJob: "job", metrics: ["auc": 0.9],
                             createdAt: 1_700_000_000_000, payload: payload).encoded()
        }
        return FuzzTarget(name: "registry-envelope", seeds: seeds, mutation: .binary(checksummed: true), label: ":v") { path in
            let envelope = try SnapshotEnvelope(encoded: Array(try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
            _ = try SnapshotValidator(catalog: .weir).validate(envelope)
            return 1
        }
    }

    static func predictions(scratch: String) -> [FuzzTarget] {
        let forest = try? AlgorithmCatalog.weir.entry(named: "randomcutforest").decode(snapshot: snapshots("randomcutforest").last ?? [], name: "forest")
        let width = forest?.inputCount ?? 3
        let row = (0..<width).map { String(Double($0) + 0.5) }.joined(separator: ",")
        let features = "[" + row + "]"
        let requests: [(String, String, [[UInt8]])] = [
            ("randomcutforest", "text/csv", [Array((row + "\n" + row + "\n").utf8)]),
            ("randomcutforest", "application/json", [Array((#"{"instances":[{"features":"# + features + #"},{"data":{"features":{"values":[1],"keys":[0],"shape":["# + String(width) + "]}}}]}").utf8)]),
            ("ipinsights", "text/csv", [Array("user1,1.2.3.4\nuser2,2001:db8::1\n".utf8)]),
            ("ipinsights", "application/jsonlines", [Array(#"{"data":{"features":{"values":["user1","10.0.0.1"]}}}"#.utf8)]),
            ("deepar", "application/json", [Array(#"{"instances":[{"start":"2026-01-05 00:00:00","target":[1,2,3,"NaN",5,6,7,8]}],"configuration":{"num_samples":10,"output_types":["mean","quantiles"],"quantiles":["0.1","0.9"]}}"#.utf8)]),
        ]
        let output = scratch + "/prediction-output"
        return requests.map { algorithm, contentType, seeds in
            FuzzTarget(name: "predict-\(algorithm)-\(contentType.split(separator: "/").last ?? "")", seeds: seeds, mutation: .text) { path in
                let entry = try AlgorithmCatalog.weir.entry(named: algorithm)
                let predictor = try entry.predictor(snapshot: snapshots(algorithm).last ?? [], name: algorithm)
                return try BatchInference.run(predictor: predictor, input: path, contentType: contentType, accept: .jsonLines, output: output)
            }
        }
    }
}
