import Foundation
import WeirAlgorithm
import WeirCore
import Yams

/// Reads topology YAML into a `TopologySpec`. Every problem is reported as a
/// `TopologyError` naming the file, the line and the key, with what was expected.
public enum TopologyLoader {
    static let topLevelKeys = ["name", "source", "decode", "schema", "operators", "sinks", "dead_letter",
                               "delivery", "kafka", "kafka_consumer", "kafka_producer", "metrics_port", "metrics_address", "commit_interval_ms", "max_record_bytes",
                               "state"]

    /// Reads a topology file; `catalog` holds the algorithms whose online operators it may use.
    public static func load(file path: String, catalog: AlgorithmCatalog = AlgorithmCatalog([])) throws(TopologyError) -> TopologySpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError(file: path, line: nil, key: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: path, catalog: catalog)
    }

    public static func parse(_ text: String, file: String, catalog: AlgorithmCatalog = AlgorithmCatalog([])) throws(TopologyError) -> TopologySpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw TopologyError(file: file, line: nil, key: "", message: "the file is empty; expected a topology mapping")
            }
            root = node
        } catch let error as TopologyError {
            throw error
        } catch let error as YamlError {
            throw TopologyError(file: file, line: yamlErrorLine(error), key: "", message: "not valid YAML: \(error)")
        } catch {
            throw TopologyError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        let top = YAMLCursor(node: root, file: file, path: "")
        guard top.isMapping else { throw top.error("expected a mapping at the top of the topology") }
        // Each section is read even when an earlier one is wrong, so one run of `weir validate`
        // reports every problem of the file.
        var problems: [TopologyError] = []
        func attempt<T>(_ body: () throws(TopologyError) -> T) -> T? {
            do { return try body() } catch {
                problems.append(error)
                return nil
            }
        }
        _ = attempt { () throws(TopologyError) in try top.allowOnly(topLevelKeys) }

        let name = (attempt { () throws(TopologyError) in try top.optional("name")?.string() } ?? nil)
            ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var kafka: [String: String] = [:]
        _ = attempt { () throws(TopologyError) in
            if let map = try top.optional("kafka") {
                for (key, value) in try map.stringMap() { kafka[key] = value }
            }
        }
        let delivery = attempt { () throws(TopologyError) in try parseDelivery(top.optional("delivery")) } ?? .atLeastOnce
        let source = attempt { () throws(TopologyError) in try parseSource(top.required("source"), delivery: delivery) }
        let decode = attempt { () throws(TopologyError) in try parseDecode(top.optional("decode")) }
        let schema = attempt { () throws(TopologyError) in try top.optional("schema").map { cursor throws(TopologyError) in try parseSchema(cursor) } } ?? nil
        var operators: [OperatorSpec] = []
        if let list = attempt({ () throws(TopologyError) in try top.optional("operators")?.elements() }) ?? nil {
            for element in list {
                if let parsed = attempt({ () throws(TopologyError) in try parseOperator(element, schemaFeatures: schema?.features ?? [], catalog: catalog) }) {
                    operators.append(parsed)
                }
            }
        }
        var sinks: [SinkSpec] = []
        var sinkVariants: [String?] = []
        let sinksCursor = attempt { () throws(TopologyError) in try top.required("sinks") }
        if let sinksCursor, let elements = attempt({ () throws(TopologyError) in try sinksCursor.elements() }) {
            for element in elements {
                _ = attempt { () throws(TopologyError) in
                    let (_, body) = try element.singleEntry()
                    let variant = try body.optional("variant")?.string()
                    sinks.append(try parseSink(element, allowing: ["variant"]))
                    sinkVariants.append(variant)
                }
            }
            if elements.isEmpty { problems.append(sinksCursor.error("expected at least one sink")) }
        }
        let deadLetter = attempt { () throws(TopologyError) in try top.optional("dead_letter").map { cursor throws(TopologyError) in try parseSink(cursor) } } ?? nil

        var spec = TopologySpec(name: name, source: source ?? .file(FileSourceSpec(path: "-")), decode: decode ?? DecodeSpec(), schema: schema,
                                operators: operators, sinks: sinks, deadLetter: deadLetter, delivery: delivery, kafka: kafka)
        spec.sinkVariants = sinkVariants
        spec.catalog = catalog
        _ = attempt { () throws(TopologyError) in
            if let map = try top.optional("kafka_consumer") {
                for (key, value) in try map.stringMap() { spec.kafkaConsumer[key] = value }
            }
        }
        _ = attempt { () throws(TopologyError) in
            if let map = try top.optional("kafka_producer") {
                for (key, value) in try map.stringMap() { spec.kafkaProducer[key] = value }
            }
        }
        /// An integer key within `range`, nil when absent.
        func bounded(_ key: String, _ range: ClosedRange<Int>, _ expected: String) -> Int? {
            attempt { () throws(TopologyError) -> Int? in
                guard let cursor = try top.optional(key) else { return nil }
                let value = try cursor.int()
                guard range.contains(value) else { throw cursor.error(expected) }
                return value
            } ?? nil
        }
        if let port = bounded("metrics_port", 0...65535, "expected a port number from 0 to 65535") { spec.metricsPort = port }
        _ = attempt { () throws(TopologyError) in
            if let address = try top.optional("metrics_address") {
                let value = try address.string()
                guard MetricsServer.isIPv4Address(value) else { throw address.error("expected an IPv4 address such as 127.0.0.1 or 0.0.0.0") }
                spec.metricsAddress = value
            }
        }
        if let interval = bounded("commit_interval_ms", 1...86_400_000, "expected a number of milliseconds from 1 to 86400000 (a day)") {
            spec.commitIntervalMs = interval
        }
        if let limit = bounded("max_record_bytes", 1...500_000_000, "expected a number of bytes from 1 to 500000000") { spec.maxRecordBytes = limit }
        _ = attempt { () throws(TopologyError) in
            if let state = try top.optional("state") {
                try state.allowOnly(["changelog_topic"])
                spec.stateChangelogTopic = try state.optional("changelog_topic")?.string()
            }
        }
        if problems.isEmpty, let sinksCursor {
            _ = attempt { () throws(TopologyError) in try validate(spec, top: top, sinksCursor: sinksCursor) }
        }
        guard var first = problems.first else { return spec }
        first.others = Array(problems.dropFirst())
        throw first
    }

    /// Cross-field rules that single keys cannot express.
    static func validate(_ spec: TopologySpec, top: YAMLCursor, sinksCursor: YAMLCursor) throws(TopologyError) {
        if spec.delivery == .exactlyOnce {
            guard case .kafka = spec.source else {
                throw TopologyError(file: top.file, line: try top.optional("delivery")?.line, key: "delivery",
                                    message: "exactly_once needs a kafka source (a replayed file has no offsets to commit)")
            }
            for (index, sink) in spec.sinks.enumerated() {
                if case .kafka = sink { continue }
                let element = try sinksCursor.elements()[index]
                throw TopologyError(file: top.file, line: element.line, key: element.path,
                                    message: "exactly_once allows only kafka sinks: a file or stdout cannot join a Kafka transaction")
            }
        }
    }

    static func parseDelivery(_ cursor: YAMLCursor?) throws(TopologyError) -> DeliveryGuarantee {
        guard let cursor else { return .atLeastOnce }
        let text = try cursor.string()
        guard let value = DeliveryGuarantee(rawValue: text) else {
            throw cursor.error("expected at_least_once or exactly_once, found '\(text)'")
        }
        return value
    }

    static func parseSource(_ cursor: YAMLCursor, delivery: DeliveryGuarantee) throws(TopologyError) -> SourceSpec {
        let (kind, body) = try cursor.singleEntry()
        switch kind {
        case "kafka":
            try body.allowOnly(["topics", "topic", "group", "transactional_id"])
            var topics: [String] = []
            if let list = try body.optional("topics") { topics = try list.strings() }
            if let single = try body.optional("topic") { topics.append(try single.string()) }
            if topics.isEmpty { throw body.error("expected 'topics' (a list) or 'topic' naming what to consume") }
            let group = try body.required("group").string()
            let transactionalID = try body.optional("transactional_id")?.string()
            return .kafka(KafkaSourceSpec(topics: topics, group: group, transactionalID: transactionalID))
        case "file":
            try body.allowOnly(["path", "format", "pace"])
            let path = try body.required("path").filePath()
            var format = FileSourceSpec.Format.lines
            if let formatCursor = try body.optional("format") {
                let text = try formatCursor.string()
                guard let parsed = FileSourceSpec.Format(name: text) else {
                    throw formatCursor.error("expected lines, jsonl, csv or capture, found '\(text)'")
                }
                format = parsed
            }
            var pace = ReplayPace.fullSpeed
            if let paceCursor = try body.optional("pace") {
                let text = try paceCursor.string()
                guard let value = ReplayPace(text: text) else {
                    throw paceCursor.error("expected full, realtime or a speed-up such as 10x, found '\(text)'")
                }
                pace = value
            }
            return .file(FileSourceSpec(path: path, format: format, pace: pace))
        default:
            throw cursor.error("unknown source kind '\(kind)'; expected kafka or file")
        }
    }

    static func parseDecode(_ cursor: YAMLCursor?) throws(TopologyError) -> DecodeSpec {
        guard let cursor else { return DecodeSpec() }
        try cursor.allowOnly(["format", "columns", "header", "delimiter", "timestamp_field"])
        var spec = DecodeSpec()
        if let formatCursor = try cursor.optional("format") {
            let text = try formatCursor.string()
            guard let format = DecodeSpec.Format(rawValue: text) else {
                throw formatCursor.error("expected json, csv, access_log or raw, found '\(text)'")
            }
            spec.format = format
        }
        if let columns = try cursor.optional("columns") { spec.columns = try columns.strings() }
        if let header = try cursor.optional("header") { spec.header = try header.bool() }
        if let delimiter = try cursor.optional("delimiter") {
            let text = try delimiter.string()
            let resolved = text == "\\t" || text == "tab" ? "\t" : text
            guard resolved.utf8.count == 1, let byte = resolved.utf8.first else {
                throw delimiter.error("expected a single-byte delimiter such as ',' or '\\t'")
            }
            spec.delimiter = byte
        }
        spec.timestampField = try cursor.optional("timestamp_field")?.string()
        if spec.format == .csv, spec.columns.isEmpty, !spec.header {
            throw cursor.error("csv needs 'columns' or 'header: true' to name its fields")
        }
        return spec
    }

    static func parseSchema(_ cursor: YAMLCursor) throws(TopologyError) -> SchemaSpec {
        try cursor.allowOnly(["key", "features", "missing"])
        var spec = SchemaSpec()
        spec.key = try cursor.optional("key")?.string()
        if let features = try cursor.optional("features") { spec.features = try features.strings() }
        if let missing = try cursor.optional("missing") {
            let text = try missing.string()
            guard let policy = SchemaSpec.MissingPolicy(rawValue: text) else {
                throw missing.error("expected nan or reject, found '\(text)'")
            }
            spec.missing = policy
        }
        return spec
    }

    static func parseOperator(_ cursor: YAMLCursor, schemaFeatures: [String] = [], catalog: AlgorithmCatalog) throws(TopologyError) -> OperatorSpec {
        let (kind, body) = try cursor.singleEntry()
        switch kind {
        case "filter":
            try body.allowOnly(["field", "op", "value"])
            let field = try body.required("field").string()
            let opCursor = try body.required("op")
            let opText = try opCursor.string()
            guard let comparison = FilterCondition.Comparison(rawValue: opText) else {
                let names = FilterCondition.Comparison.allCases.map(\.rawValue).joined(separator: " ")
                throw opCursor.error("expected one of \(names), found '\(opText)'")
            }
            var value = JSONValue.null
            if comparison != .exists, comparison != .missing {
                let valueCursor = try body.required("value")
                let text = try valueCursor.string()
                if case .scalar(let scalar) = valueCursor.node, scalar.style == .plain, let number = Double(text) {
                    value = .number(number)
                } else if case .scalar(let scalar) = valueCursor.node, scalar.style == .plain,
                          let flag = try? valueCursor.bool() {
                    value = .bool(flag)
                } else {
                    value = .string(text)
                }
            }
            return .filter(FilterCondition(field: field, comparison: comparison, value: value))
        case "project":
            try body.allowOnly(["fields", "rename"])
            let keep = try body.optional("fields")?.strings() ?? []
            let rename = try body.optional("rename")?.stringMap() ?? []
            if keep.isEmpty && rename.isEmpty { throw body.error("expected 'fields' to keep and/or 'rename'") }
            return .project(keep: keep, rename: rename)
        case "key_by":
            try body.allowOnly(["field"])
            return .keyBy(field: try body.required("field").string())
        case "count_by_key":
            try body.allowOnly(["output_field"])
            return .countByKey(outputField: try body.optional("output_field")?.string() ?? "count")
        case "predict":
            return .predict(try parsePredict(body))
        default:
            for entry in catalog.entries {
                if let streamable = entry.streamable, streamable.operatorName == kind {
                    return .online(try parseOnline(body, kind: kind, entry: entry, streamable: streamable, schemaFeatures: schemaFeatures))
                }
            }
            let online = catalog.entries.compactMap { $0.streamable?.operatorName }
            throw cursor.error("unknown operator '\(kind)'; expected " + (["filter", "project", "key_by", "count_by_key", "predict"] + online).joined(separator: ", "))
        }
    }

    /// A sink; `extra` keys are allowed beside its own (a sink's `variant`).
    static func parseSink(_ cursor: YAMLCursor, allowing extra: [String] = []) throws(TopologyError) -> SinkSpec {
        let (kind, body) = try cursor.singleEntry()
        switch kind {
        case "kafka":
            try body.allowOnly(["topic"] + extra)
            return .kafka(topic: try body.required("topic").string())
        case "file":
            try body.allowOnly(["path"] + extra)
            return .file(path: try body.required("path").filePath())
        case "stdout":
            try body.allowOnly(extra)
            return .stdout
        default:
            throw cursor.error("unknown sink kind '\(kind)'; expected kafka, file or stdout")
        }
    }

    static func yamlErrorLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }
}
