import Testing
import WeirCatalog
import WeirCore
import WeirKafka
@testable import WeirStream

struct TopologyLoaderTests {
    /// Paths in a topology are the topology file's: relative ones are taken from its folder
    /// (folded lexically), absolute ones and `-` stay as written.
    @Test func pathsResolveAgainstTheTopologyFilesFolder() throws {
        #expect(TopologyPath.resolve("../datasets/x.jsonl", topologyFile: "topologies/a.yaml") == "datasets/x.jsonl")
        #expect(TopologyPath.resolve("data/./x.csv", topologyFile: "/srv/flows/a.yaml") == "/srv/flows/data/x.csv")
        #expect(TopologyPath.resolve("../../x", topologyFile: "/srv/a.yaml") == "/x")
        #expect(TopologyPath.resolve("../x", topologyFile: "a.yaml") == "../x")
        #expect(TopologyPath.resolve("x", topologyFile: "a.yaml") == "x")
        #expect(TopologyPath.resolve("/var/data/x", topologyFile: "topologies/a.yaml") == "/var/data/x")
        #expect(TopologyPath.resolve("-", topologyFile: "topologies/a.yaml") == "-")
        let yaml = """
        source: {file: {path: in.jsonl}}
        operators:
          - random_cut_forest: {model: ../models/forest, state_dir: state, features: [cpu]}
          - predict: {model: {registry: ../registry, name: spikes}}
        sinks: [file: {path: out/scored.jsonl}]
        dead_letter: {file: {path: /var/log/dead.jsonl}}
        """
        let spec = try TopologyLoader.parse(yaml, file: "/srv/flows/a.yaml", catalog: .weir)
        #expect(spec.source == .file(FileSourceSpec(path: "/srv/flows/in.jsonl")))
        #expect(spec.sinks == [.file(path: "/srv/flows/out/scored.jsonl")])
        #expect(spec.deadLetter == .file(path: "/var/log/dead.jsonl"))
        guard case .online(let forest) = spec.operators[0], case .predict(let predict) = spec.operators[1] else {
            Issue.record("operators: \(spec.operators)")
            return
        }
        #expect(forest.model == .file("/srv/models/forest") && forest.stateDirectory == "/srv/flows/state")
        #expect(predict.model == .registry(RegistryModelReference(directory: "/srv/registry", name: "spikes")))
    }

    @Test func readsEverySection() throws {
        let yaml = """
        name: demo
        source:
          kafka: {topics: [a, b], group: g, transactional_id: t-1}
        decode: {format: csv, columns: [ts, host, value], delimiter: ";", timestamp_field: ts}
        schema: {key: host, features: [value], missing: reject}
        operators:
          - filter: {field: value, op: ">=", value: 2.5}
          - project: {fields: [host, value], rename: {value: v}}
          - key_by: {field: host}
          - count_by_key: {}
        sinks:
          - kafka: {topic: out}
        dead_letter:
          kafka: {topic: dlq}
        delivery: exactly_once
        kafka: {bootstrap.servers: "localhost:9092", linger.ms: 10}
        kafka_consumer: {session.timeout.ms: 6000}
        kafka_producer: {acks: all}
        metrics_port: 9464
        commit_interval_ms: 250
        max_record_bytes: 2048
        state: {changelog_topic: demo-state}
        """
        let spec = try TopologyLoader.parse(yaml, file: "demo.yaml")
        #expect(spec.name == "demo")
        #expect(spec.source == .kafka(KafkaSourceSpec(topics: ["a", "b"], group: "g", transactionalID: "t-1")))
        #expect(spec.decode == DecodeSpec(format: .csv, columns: ["ts", "host", "value"], delimiter: UInt8(ascii: ";"), timestampField: "ts"))
        #expect(spec.schema == SchemaSpec(key: "host", features: ["value"], missing: .reject))
        #expect(spec.operators == [
            .filter(FilterCondition(field: "value", comparison: .greaterOrEqual, value: .number(2.5))),
            .project(keep: ["host", "value"], rename: [("value", "v")]),
            .keyBy(field: "host"),
            .countByKey(outputField: "count"),
        ])
        #expect(spec.sinks == [.kafka(topic: "out")])
        #expect(spec.deadLetter == .kafka(topic: "dlq"))
        #expect(spec.delivery == .exactlyOnce)
        #expect(spec.kafka == ["bootstrap.servers": "localhost:9092", "linger.ms": "10"])
        #expect(spec.kafkaConsumer == ["session.timeout.ms": "6000"])
        #expect(spec.kafkaProducer == ["acks": "all"])
        let overrides = KafkaConfiguration(["bootstrap.servers": "cli:9092"])
        #expect(spec.consumerConfiguration(overrides).properties ==
                ["bootstrap.servers": "cli:9092", "linger.ms": "10", "session.timeout.ms": "6000"])
        #expect(spec.producerConfiguration(overrides)["acks"] == "all")
        #expect(spec.producerConfiguration(overrides)["session.timeout.ms"] == nil)
        #expect(spec.metricsPort == 9464)
        #expect(spec.commitIntervalMs == 250)
        #expect(spec.maxRecordBytes == 2048)
        #expect(spec.stateChangelogTopic == "demo-state")
    }

    @Test func filterValuesKeepTheirYAMLType() throws {
        let yaml = """
        source: {file: {path: x.jsonl, pace: 10x}}
        operators:
          - filter: {field: a, op: "==", value: "42"}
          - filter: {field: b, op: "==", value: true}
          - filter: {field: c, op: exists}
        sinks: [stdout: {}]
        """
        let spec = try TopologyLoader.parse(yaml, file: "t.yaml")
        #expect(spec.source == .file(FileSourceSpec(path: "x.jsonl", format: .lines, pace: .scaled(10))))
        #expect(spec.operators == [
            .filter(FilterCondition(field: "a", comparison: .equal, value: .string("42"))),
            .filter(FilterCondition(field: "b", comparison: .equal, value: .bool(true))),
            .filter(FilterCondition(field: "c", comparison: .exists)),
        ])
    }

    /// Each bad file must be reported at its line and key, saying what was expected.
    @Test(arguments: [
        ("source: {file: {path: a}}\nsinks:\n  - stdout: {}\n  - fil: {path: x}\n", 4, "sinks[1]", "unknown sink kind 'fil'"),
        ("source: {file: {path: a}}\nsinks: [stdout: {}]\ncolour: red\n", 3, "colour", "unknown key"),
        ("source:\n  kafka:\n    topics: [a]\nsinks: [stdout: {}]\n", 3, "source.kafka.group", "missing required key"),
        ("source: {file: {path: a}}\nsinks: [stdout: {}]\ndelivery: twice\n", 3, "delivery", "expected at_least_once or exactly_once"),
        ("source: {file: {path: a}}\nsinks: [stdout: {}]\ncommit_interval_ms: soon\n", 3, "commit_interval_ms", "expected an integer"),
        ("source: {kafka: {topic: a, group: g}}\nsinks:\n  - file: {path: out.jsonl}\ndelivery: exactly_once\n", 3, "sinks[0]", "exactly_once allows only kafka sinks"),
        ("source: {file: {path: a}}\nsinks: [stdout: {}]\noperators:\n  - filter: {field: x, op: \"~\", value: 1}\n", 4, "operators[0].filter.op", "expected one of"),
        ("source: {file: {path: a, pace: slow}}\nsinks: [stdout: {}]\n", 1, "source.file.pace", "expected full, realtime"),
        ("source: {file: {path: a}}\ndecode: {format: csv}\nsinks: [stdout: {}]\n", 2, "decode", "csv needs 'columns'"),
    ])
    func errorsNameLineAndKey(yaml: String, line: Int, key: String, message: String) {
        do {
            _ = try TopologyLoader.parse(yaml, file: "bad.yaml")
            Issue.record("expected an error for \(key)")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("bad.yaml:\(line): key '\(key)'"))
        }
    }

    @Test func invalidYAMLReportsItsLine() {
        do {
            _ = try TopologyLoader.parse("source:\n  file: {path: a\nsinks: [stdout: {}]\n", file: "broken.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.line != nil)
            #expect(error.message.contains("not valid YAML"))
        }
    }

    @Test func everyShippedTopologyValidates() throws {
        let folder = TestPathsForStream.repository.appendingPathComponent("topologies")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            _ = try TopologyLoader.load(file: folder.appendingPathComponent(file).path, catalog: .weir)
        }
    }
}

import Foundation
import WeirTestSupport
typealias TestPathsForStream = TestPaths

extension TopologyLoaderTests {
    /// An online operator's own settings are read by its algorithm when the topology is
    /// loaded: a bad value or an unknown key is reported at its line, under its key.
    @Test(arguments: [
        ("  - deepar_forecast: {model: m, every: 0}\n", "operators[0].deepar_forecast.every", "expected an integer in 1...1000000"),
        ("  - deepar_forecast:\n      model: m\n      quantiles: [0.5, 2]\n", "operators[0].deepar_forecast.quantiles", "between 0 and 1"),
        ("  - ip_insights: {model: m, unseen_entity: ignore}\n", "operators[0].ip_insights.unseen_entity", "expected one of skip, alert, score, dead_letter"),
        ("  - ip_insights: {model: m, colour: red}\n", "operators[0].ip_insights.colour", "unknown key"),
        ("  - deepar_forecast: {model: m, max_series: 0}\n", "operators[0].deepar_forecast.max_series", "expected a positive number of keys"),
    ])
    func onlineOperatorSettingsAreCheckedAtLoad(operatorYAML: String, key: String, message: String) {
        let text = "source: {file: {path: a}}\nsinks: [stdout: {}]\noperators:\n" + operatorYAML
        do {
            _ = try TopologyLoader.parse(text, file: "online.yaml", catalog: .weir)
            Issue.record("expected \(message)")
        } catch {
            #expect(error.key == key)
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.line != nil)
        }
    }

    /// Without the catalogue an online operator is not known: the loader says which are.
    @Test func onlineOperatorsComeFromTheCatalogue() throws {
        let text = "source: {file: {path: a}}\nsinks: [stdout: {}]\noperators:\n  - deepar_forecast: {model: m}\n"
        #expect { try TopologyLoader.parse(text, file: "a.yaml") } throws: { "\($0)".contains("unknown operator 'deepar_forecast'") }
        let spec = try TopologyLoader.parse(text, file: "a.yaml", catalog: .weir)
        guard case .online(let online)? = spec.operators.first else { Issue.record("not an online operator"); return }
        #expect(online.algorithm == "deepar" && online.operatorName == "deepar_forecast" && online.maxResidentKeys == 10_000)
    }
}
