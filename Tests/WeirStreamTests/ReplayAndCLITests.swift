import Foundation
import Testing
import WeirCatalog
import WeirCore
import WeirMath
import WeirKafka
import WeirTestSupport
@testable import WeirStream

/// File replay, capture files, and the command line as a user runs it.
struct ReplayAndCLITests {
    func write(_ text: String, to folder: URL, _ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func replaysCSVWithHeaderIntoAFileAndDeadLettersBadLines() throws {
        let folder = try TestPaths.scratchFolder("replay-csv")
        let data = try write("host,cpu\nh1,0.5\nh2,\"oops\nh3,0.9\nh4,not-a-number\n", to: folder, "in.csv")
        let spec = try TopologyLoader.parse("""
            source: {file: {path: \(data.path)}}
            decode: {format: csv, header: true}
            schema: {key: host, features: [cpu], missing: reject}
            sinks: [file: {path: \(folder.path)/out.jsonl}]
            dead_letter: {file: {path: \(folder.path)/dead.jsonl}}
            """, file: "replay.yaml", catalog: .weir)
        let pipeline = try ReplayPipeline(spec: spec)
        try pipeline.run()
        #expect(pipeline.stats.recordsIn == 5)
        let out = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8)
        #expect(out == "{\"host\":\"h1\",\"cpu\":0.5}\n{\"host\":\"h3\",\"cpu\":0.9}\n")
        let dead = try String(contentsOf: folder.appendingPathComponent("dead.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue! }
        #expect(dead.count == 2)
        #expect(dead[0]["source_offset"] == .number(3), "the line number of the bad line")
        #expect(dead[0]["error"]?.stringValue?.contains("unterminated quoted CSV field") == true)
        #expect(dead[1]["field"] == .string("cpu"))
        #expect(dead[1]["value"] == .string("h4,not-a-number"))
    }

    @Test func captureFileRoundTripsEveryRecordField() throws {
        let folder = try TestPaths.scratchFolder("capture")
        let path = folder.appendingPathComponent("c.weircap").path
        let records = [
            RawRecord(key: Array("k".utf8), value: Array(#"{"a":1}"#.utf8), headers: [RecordHeader("h", "1"), RecordHeader(name: "n", value: nil)],
                      timestamp: 1_700_000_000_123, origin: RecordOrigin(topic: "t", partition: 3, offset: 41)),
            RawRecord(key: nil, value: nil, origin: RecordOrigin(topic: "t", partition: 0, offset: 0)),
            RawRecord(key: [], value: [0, 255, 10], timestamp: nil, origin: RecordOrigin(topic: "other", partition: 1, offset: 7)),
        ]
        let writer = try CaptureWriter(path: path)
        for record in records { try writer.append(record) }
        try writer.close()
        let reader = try FileRecordReader(path: path, format: .capture)
        var read: [RawRecord] = []
        while let record = try reader.next() { read.append(record) }
        #expect(read == records)
    }

    @Test func truncatedCaptureNamesTheByteOffset() throws {
        let folder = try TestPaths.scratchFolder("capture-bad")
        let path = folder.appendingPathComponent("c.weircap").path
        let writer = try CaptureWriter(path: path)
        try writer.append(RawRecord(key: nil, value: Array("abcdef".utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: 0)))
        try writer.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(3).write(to: URL(fileURLWithPath: path))
        let reader = try FileRecordReader(path: path, format: .capture)
        do {
            _ = try reader.next()
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 8)
            #expect(error.description.contains("truncated record"))
        }
        #expect(throws: SourceError.self) { try FileRecordReader(path: "/dev/null", format: .capture) }
    }

    /// Replay transforms on one thread and writes on another, in batches: results and
    /// dead letters must still come out in input order, across many batches.
    @Test func replayKeepsInputOrderAcrossBatchesWithDeadLettersInterleaved() throws {
        let folder = try TestPaths.scratchFolder("replay-order")
        let lines = (1...5_000).map { line -> String in
            if line % 7 == 0 { return #"{"n":\#(line),"broken""# }
            return #"{"n":\#(line),"odd":\#(line % 2 == 1),"pad":"x"}"#
        }
        let data = try write(lines.joined(separator: "\n"), to: folder, "in.jsonl")
        let spec = try TopologyLoader.parse("""
            source: {file: {path: \(data.path)}}
            operators:
              - filter: {field: odd, op: "==", value: true}
              - project: {fields: [n]}
            sinks: [file: {path: \(folder.path)/out.jsonl}]
            dead_letter: {file: {path: \(folder.path)/dead.jsonl}}
            """, file: "order.yaml", catalog: .weir)
        let pipeline = try ReplayPipeline(spec: spec)
        try pipeline.run()
        let out = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue!["n"]!.doubleValue! }
        let expected = (1...5_000).filter { $0 % 7 != 0 && $0 % 2 == 1 }.map(Double.init)
        #expect(out == expected)
        let dead = try String(contentsOf: folder.appendingPathComponent("dead.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue!["source_offset"]!.doubleValue! }
        #expect(dead == (1...5_000).filter { $0 % 7 == 0 }.map(Double.init))
        #expect(pipeline.stats.recordsIn == 5_000)
        #expect(pipeline.stats.deadLettered == 714)
    }

    /// A capture file cut short mid-stream: every whole record before the cut is written,
    /// then the replay fails with the byte offset of the broken record.
    @Test func replayOfATruncatedCaptureWritesWhatPrecedesTheCutThenFails() throws {
        let folder = try TestPaths.scratchFolder("replay-truncated")
        let path = folder.appendingPathComponent("c.weircap").path
        let record = { (index: Int) in
            RawRecord(key: nil, value: Array(#"{"i":\#(index)}"#.utf8), origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(index)))
        }
        let writer = try CaptureWriter(path: path)
        for index in 0..<2_999 { try writer.append(record(index)) }
        try writer.close()
        let offsetOfLast = try Data(contentsOf: URL(fileURLWithPath: path)).count
        let full = folder.appendingPathComponent("full.weircap").path
        let fullWriter = try CaptureWriter(path: full)
        for index in 0..<3_000 { try fullWriter.append(record(index)) }
        try fullWriter.close()
        try Data(contentsOf: URL(fileURLWithPath: full)).dropLast(2).write(to: URL(fileURLWithPath: path))
        let spec = try TopologyLoader.parse("""
            source: {file: {path: \(path), format: capture}}
            sinks: [file: {path: \(folder.path)/out.jsonl}]
            """, file: "truncated.yaml", catalog: .weir)
        let pipeline = try ReplayPipeline(spec: spec)
        do {
            try pipeline.run()
            Issue.record("expected the truncated record to fail the replay")
        } catch let error as SourceError {
            #expect(error.offset == Int64(offsetOfLast))
            #expect(error.description.contains("truncated record"))
        }
        let out = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8)
        #expect(out.split(separator: "\n").count == 2_999)
        #expect(out.hasSuffix(#"{"i":2998}"# + "\n"))
    }

    @Test func realTimeReplayFollowsTimestampsScaled() throws {
        let folder = try TestPaths.scratchFolder("pace")
        let lines = (0..<11).map { #"{"ts":\#(1_700_000_000 + $0 * 10)}"# }.joined(separator: "\n")
        let data = try write(lines, to: folder, "in.jsonl")
        let spec = try TopologyLoader.parse("""
            source: {file: {path: \(data.path), pace: 200x}}
            decode: {timestamp_field: ts}
            sinks: [file: {path: \(folder.path)/out.jsonl}]
            """, file: "pace.yaml", catalog: .weir)
        let start = ContinuousClock.now
        try ReplayPipeline(spec: spec).run()
        // 100 s of event time at 200x is 0.5 s: replay must not run ahead of it.
        #expect(ContinuousClock.now - start >= .milliseconds(480))
    }

    @Test func validateReportsFileLineAndKeyWithExitCode2() throws {
        let folder = try TestPaths.scratchFolder("cli-validate")
        _ = try write("source: {file: {path: a}}\nsinks:\n  - stdout: {}\ndelivery: sometimes\n", to: folder, "bad.yaml")
        let result = try WeirProcess.run(["validate", "bad.yaml"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml:4: key 'delivery': expected at_least_once or exactly_once"), "\(result.stderr)")
    }

    /// A forest trained offline by `weir train rcf` seeds each key's online forest: scores
    /// come from the first record on (an unseeded forest scores 0 until it has seen a
    /// quarter of its sample), and a far-off point scores far above a typical one.
    @Test func trainedForestSeedsTheStreamOperator() throws {
        let folder = try TestPaths.scratchFolder("cli-rcf-seed")
        var random = RandomSource(seed: 4)
        var train = ""
        for _ in 0..<2_000 { train += "\(random.normal()),\(random.normal())\n" }
        _ = try write(train, to: folder, "train.csv")
        let trained = try WeirProcess.run(["train", "rcf", "--channel", "train=train.csv", "--content-type", "train=text/csv;label_size=0",
                                           "--hp", "feature_dim=2", "--hp", "num_trees=50", "--hp", "num_samples_per_tree=256",
                                           "--model-dir", "model"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        _ = try write(#"{"k":"a","x":0.1,"y":-0.2}\#n{"k":"a","x":9,"y":9}\#n{"k":"b","x":-0.3,"y":0.4}\#n"#, to: folder, "in.jsonl")
        _ = try write("""
            name: seeded
            source: {file: {path: in.jsonl}}
            schema: {key: k, features: [x, y]}
            operators:
              - random_cut_forest: {shingle_size: 1, model: model/forest.rcf, model_version: rcf-batch-1}
            sinks: [file: {path: out.jsonl}]
            """, to: folder, "seeded.yaml")
        let replayed = try WeirProcess.run(["replay", "seeded.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let outputs = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONParser.parse(String($0)).objectValue! }
        #expect(outputs.count == 3)
        let scores = outputs.map { $0["anomaly_score"]?.doubleValue ?? 0 }
        #expect(scores[0] > 0 && scores[2] > 0, "seeded forests score at once: \(scores)")
        #expect(scores[1] > 3 * scores[0], "\(scores)")
        #expect(outputs.allSatisfy { $0["model_version"] == .string("rcf-batch-1") })
    }

    /// Poison event times (they trapped the time conversion and the forest's time arithmetic,
    /// a crash loop under `weir run`): each goes to the dead-letter file with its reason,
    /// every other record comes out, and the process exits cleanly.
    @Test func poisonEventTimesAreDeadLetteredAndTheStreamGoesOn() throws {
        let folder = try TestPaths.scratchFolder("cli-poison-time")
        var lines: [String] = []
        var poison: [String] = []
        for index in 0..<60 {
            let time = 1_767_225_600_000 + Int64(index) * 60_000
            lines.append(#"{"ts":\#(time),"host":"h\#(index % 2)","cpu":\#(index % 7),"latency_ms":\#(index % 5)}"#)
            if index % 10 == 5 {
                let bad = ["1e300", "-1e300", "9000000000000000000", "-9000000000000000000", "\"-1e300\"", "1e17"][poison.count]
                poison.append(bad)
                lines.append(#"{"ts":\#(bad),"host":"h0","cpu":1,"latency_ms":1e300}"#)
            }
        }
        _ = try write(lines.joined(separator: "\n") + "\n", to: folder, "in.jsonl")
        _ = try write("""
            name: poison-times
            source: {file: {path: in.jsonl}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu, latency_ms]}
            operators:
              - random_cut_forest: {shingle_size: 2, num_trees: 10, sample_size: 16, forest_mode: streaming_impute}
            sinks: [file: {path: out.jsonl}]
            dead_letter: {file: {path: dead.jsonl}}
            """, to: folder, "poison.yaml")
        let replayed = try WeirProcess.run(["replay", "poison.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr.suffix(2000))")
        func objects(_ name: String) throws -> [JSONObject] {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
                .map { try #require(try JSONParser.parse(String($0)).objectValue) }
        }
        #expect(try objects("out.jsonl").count == 60)
        let letters = try objects("dead.jsonl")
        #expect(letters.count == poison.count)
        #expect(letters.allSatisfy { $0["field"] == .string("ts") && ($0["error"]?.stringValue ?? "").contains("outside years 1 to 9999") },
                "\(letters.map { $0["error"] ?? .null })")
    }

    /// The same poison records through `weir run` on a broker: dead-lettered with their
    /// reasons, every other record out, and the process exits cleanly (no crash loop).
    @Test func poisonRecordsThroughWeirRunOnABrokerAreDeadLetteredAndTheStreamGoesOn() throws {
        let folder = try TestPaths.scratchFolder("cli-poison-run")
        var lines: [String] = []
        for index in 0..<60 {
            let time = 1_767_225_600_000 + Int64(index) * 60_000
            lines.append(#"{"ts":\#(time),"host":"h\#(index % 2)","cpu":\#(index % 7),"latency_ms":\#(index % 5)}"#)
        }
        let poison = [#"{"ts":1e300,"host":"h0","cpu":1,"latency_ms":1}"#, #"{"ts":-1e300,"host":"h1","cpu":1,"latency_ms":1}"#,
                      #"{"ts":9000000000000000000,"host":"h0","cpu":1,"latency_ms":1}"#, #"{"ts":"-1e300","host":"h0","cpu":1,"latency_ms":1}"#,
                      #"{"ts":1767225600000,"host":"h0","cpu":"high","latency_ms":1}"#, #"{"ts":1767225600000,"host":"h0","cpu":1,"#,
                      "\u{FF}\u{FE}not json"]
        for (offset, bad) in poison.enumerated() { lines.insert(bad, at: 5 + offset * 8) }
        _ = try write(lines.joined(separator: "\n") + "\n", to: folder, "in.jsonl")
        _ = try write("""
            name: poison-run
            source: {kafka: {topics: [metrics], group: poison}}
            decode: {format: json, timestamp_field: ts}
            schema: {key: host, features: [cpu, latency_ms]}
            operators:
              - random_cut_forest: {shingle_size: 2, num_trees: 10, sample_size: 16}
            sinks: [file: {path: out.jsonl}]
            dead_letter: {file: {path: dead.jsonl}}
            kafka_consumer: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}
            """, to: folder, "poison.yaml")
        let run = try WeirProcess.run(["run", "poison.yaml", "--embedded-broker", "--partitions", "1", "--seed", "in.jsonl",
                                       "--stop-when-idle", "3"], in: folder, name: "poison-run")
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        func objects(_ name: String) throws -> [JSONObject] {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
                .map { try #require(try JSONParser.parse(String($0)).objectValue) }
        }
        #expect(try objects("out.jsonl").count == 60)
        let letters = try objects("dead.jsonl")
        #expect(letters.count == poison.count, "\(letters.map { $0["error"] ?? .null })")
        #expect(letters.allSatisfy { !($0["error"]?.stringValue ?? "").isEmpty })
        #expect(run.stderr.contains("dead_lettered=\(poison.count)"), "\(run.stderr.suffix(1000))")
    }

    @Test func unknownOptionIsNamed() throws {
        let folder = try TestPaths.scratchFolder("cli-option")
        let result = try WeirProcess.run(["replay", "x.yaml", "--colour", "red"], in: folder)
        #expect(result.status != 0)
        #expect(result.stderr.contains("--colour"), "\(result.stderr)")
    }

    @Test func unreachableBrokerFailsWithTheAddressInsteadOfHanging() throws {
        let folder = try TestPaths.scratchFolder("cli-unreachable")
        _ = try write("source: {kafka: {topic: t, group: g}}\nsinks: [stdout: {}]\n", to: folder, "t.yaml")
        let port = freeLoopbackPort()
        let result = try WeirProcess.run(["run", "t.yaml", "-b", "127.0.0.1:\(port)", "--connect-timeout", "3"], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot reach Kafka at 127.0.0.1:\(port) within 3 s"), "\(result.stderr.suffix(1000))")
    }

    @Test func embeddedBrokerRunsTheShippedDemo() throws {
        let folder = TestPaths.repository
        let result = try WeirProcess.run(["run", "topologies/sensors-embedded.yaml", "--embedded-broker",
                                          "--seed", "datasets/sensors.jsonl", "--seed-key-field", "sensor",
                                          "--stop-when-idle", "3"], in: folder, name: "demo",
                                         outputIn: try TestPaths.scratchFolder("cli-demo"))
        #expect(result.status == 0, "\(result.stderr.suffix(1500))")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("embedded Kafka broker: 127.0.0.1:") == true)
        let outputs = lines.dropFirst().compactMap { try? JSONParser.parse(String($0)).objectValue }
        #expect(outputs.count == 1993, "2000 readings less 7 dead letters")
        #expect(result.stderr.contains("dead_lettered=7"))
    }

    @Test func metricsEndpointCountsRecordsPerTopic() throws {
        let folder = TestPaths.repository
        let port = freeLoopbackPort()
        let weir = try WeirProcess(["run", "topologies/sensors-embedded.yaml", "--embedded-broker",
                                    "--seed", "datasets/sensors.jsonl", "--stop-when-idle", "8",
                                    "--metrics-port", String(port)], in: folder, name: "metrics",
                                   outputIn: try TestPaths.scratchFolder("cli-metrics"))
        #expect(weir.waitForOutput(containing: "partitions assigned", seconds: 30))
        #expect(weir.stdout.contains("metrics: http://127.0.0.1:\(port)/metrics"), "the endpoint prints the address it binds")
        // A scraper that connects and never sends holds the endpoint for two seconds at most.
        let stalled = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(stalled, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        defer { close(stalled) }
        var body = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            body = httpGet(port: port, path: "/metrics") ?? ""
            // Lag gauges appear per partition as each reports; wait for the one asserted below.
            if body.contains(#"weir_records_in_total{topology="sensors-embedded",topic="sensors"} 2000"#),
               body.contains(#"weir_consumer_lag{topology="sensors-embedded",topic="sensors",partition="0"} 0"#) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(body.hasPrefix("HTTP/1.1 200 OK"))
        #expect(body.contains(#"weir_records_in_total{topology="sensors-embedded",topic="sensors"} 2000"#), "\(body.prefix(3000))")
        #expect(body.contains(#"weir_records_dead_lettered_total{topology="sensors-embedded",topic="sensors"} 7"#))
        #expect(body.contains("weir_rebalances_total"))
        #expect(body.contains(#"weir_consumer_lag{topology="sensors-embedded",topic="sensors",partition="0"} 0"#))
        #expect(body.contains(#"weir_records_out_total{topology="sensors-embedded",sink="kafka:sensors.clean"} 1993"#))
        #expect(httpGet(port: port, path: "/nope")?.hasPrefix("HTTP/1.1 404") == true)
        // Every metric family has its help line, and the series exist from start-up.
        let exposition = body.components(separatedBy: "\r\n\r\n").dropFirst().joined() // after the HTTP headers
        let lines = exposition.split(separator: "\n")
        for (index, line) in lines.enumerated() where line.hasPrefix("# TYPE ") {
            #expect(index > 0 && lines[index - 1].hasPrefix("# HELP " + line.dropFirst(7).prefix { $0 != " " } + " "), "\(line) has no help; before it: \(lines[max(0, index - 1)])")
        }
        #expect(body.contains("# HELP weir_records_in_total Records consumed, per source topic."))
        #expect(body.contains(#"weir_committed_offsets_backwards_total{topology="sensors-embedded"} 0"#))
        weir.signal(SIGTERM)
        #expect(weir.wait(seconds: 30))
    }

    @Test func captureThenReplayReproducesTheTopic() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("source", partitions: 2)
        try produce((0..<50).map { ("k\($0 % 3)", Array(#"{"n":\#($0)}"#.utf8)) }, to: "source",
                    bootstrap: cluster.bootstrapServers)
        let folder = try TestPaths.scratchFolder("capture-cli")
        let captured = try WeirProcess.run(["capture", "-t", "source", "-o", "source.weircap", "-b", cluster.bootstrapServers],
                                           in: folder, name: "capture")
        #expect(captured.status == 0, "\(captured.stderr.suffix(1000))")
        #expect(captured.stdout.contains("captured 50 records"))
        let topology = "source: {file: {path: source.weircap, format: capture}}\nsinks: [file: {path: out.jsonl}]\n"
        try topology.write(to: folder.appendingPathComponent("replay.yaml"), atomically: true, encoding: .utf8)
        let replayed = try WeirProcess.run(["replay", "replay.yaml"], in: folder, name: "replay")
        #expect(replayed.status == 0, "\(replayed.stderr.suffix(1000))")
        let lines = try String(contentsOf: folder.appendingPathComponent("out.jsonl"), encoding: .utf8).split(separator: "\n")
        let numbers = Set(lines.compactMap { try? JSONParser.parse(String($0)).objectValue?["n"]?.doubleValue })
        #expect(numbers == Set((0..<50).map(Double.init)))
    }

    @Test func replayIntoAKafkaTopicDeliversEveryRecord() throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("replayed", partitions: 3)
        let folder = try TestPaths.scratchFolder("replay-kafka")
        let data = (0..<500).map { #"{"n":\#($0),"host":"h\#($0 % 7)"}"# }.joined(separator: "\n")
        try data.write(to: folder.appendingPathComponent("in.jsonl"), atomically: true, encoding: .utf8)
        let spec = try TopologyLoader.parse("""
            source: {file: {path: \(folder.path)/in.jsonl}}
            operators: [key_by: {field: host}]
            sinks: [kafka: {topic: replayed}]
            """, file: "replay-kafka.yaml", catalog: .weir)
        let pipeline = try ReplayPipeline(spec: spec, configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers]))
        try pipeline.run()
        let messages = try TopicReader.readAll(topic: "replayed", bootstrap: cluster.bootstrapServers)
        #expect(messages.count == 500)
        let partitionsPerHost = Dictionary(grouping: messages, by: { $0.key ?? [] }).mapValues { Set($0.map(\.partition)).count }
        #expect(partitionsPerHost.count == 7)
        #expect(partitionsPerHost.values.allSatisfy { $0 == 1 }, "records of one key stay in one partition")
    }
}

/// `weir convert` and `weir inspect` as a user runs them.
struct DataToolCLITests {
    @Test func convertThenInspectShowsRecordsWithOffsets() throws {
        let folder = try TestPaths.scratchFolder("cli-convert")
        try "1,0.5,0,2\n0,0,3,0\n".write(to: folder.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        let convert = try WeirProcess.run(["convert", "in.csv", "out.rec", "--features", "sparse"], in: folder)
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stderr.contains("converted 2 records"))
        let inspect = try WeirProcess.run(["inspect", "out.rec"], in: folder)
        #expect(inspect.stdout == """
            {"offset":0,"data":{"features":{"values":[0.5,2],"keys":[0,2],"shape":[3]}},"label":[1]}
            {"offset":60,"data":{"features":{"values":[3],"keys":[1],"shape":[3]}},"label":[0]}

            """)
        let bad = try WeirProcess.run(["inspect", "in.csv", "--from", "recordio"], in: folder)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("in.csv: byte 0: bad RecordIO magic"))
    }

    /// A replay's output through `weir plot`: an SVG per key and an index; a bad line is an
    /// error naming the file and line, and nothing is half written.
    @Test func plotDrawsAChartPerKeyAndNamesBadLines() throws {
        let folder = try TestPaths.scratchFolder("cli-plot")
        let lines = (0..<60).map { minute in
            let host = minute % 2 == 0 ? "a" : "b/c"
            let alarm = minute == 40
            return #"{"ts":\#(1_767_225_600 + minute * 60),"host":"\#(host)","cpu":\#(alarm ? 99 : 40 + minute % 3),"anomaly_score":\#(alarm ? 3 : 0.5),"anomaly_grade":\#(alarm ? 1 : 0),"anomaly_threshold":1}"#
        }
        try lines.joined(separator: "\n").write(to: folder.appendingPathComponent("scored.jsonl"), atomically: true, encoding: .utf8)
        let plot = try WeirProcess.run(["plot", "scored.jsonl", "--key-field", "host", "--output", "charts"], in: folder)
        #expect(plot.status == 0, "\(plot.stderr)")
        let a = try String(contentsOf: folder.appendingPathComponent("charts/a.svg"), encoding: .utf8)
        let b = try String(contentsOf: folder.appendingPathComponent("charts/=2-b_c.svg"), encoding: .utf8)
        #expect(a.contains("30 records, 1 alarm") && a.contains("<title>2026-01-01 00:40:00: score 3, grade 1</title>"))
        #expect(b.contains("30 records, 0 alarms"))
        let index = try String(contentsOf: folder.appendingPathComponent("charts/index.html"), encoding: .utf8)
        #expect(index.contains("src=\"a.svg\"") && index.contains("src=\"=2-b_c.svg\""))

        try (lines[0] + "\n{oops\n").write(to: folder.appendingPathComponent("bad.jsonl"), atomically: true, encoding: .utf8)
        let bad = try WeirProcess.run(["plot", "bad.jsonl", "--output", "bad-charts"], in: folder)
        #expect(bad.status != 0 && bad.stderr.contains("bad.jsonl line 2"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad-charts").path))
        let unknown = try WeirProcess.run(["plot", "scored.jsonl", "--key-field", "host", "--key", "zzz", "--output", "none"], in: folder)
        #expect(unknown.status != 0 && unknown.stderr.contains("zzz"))
    }
}
