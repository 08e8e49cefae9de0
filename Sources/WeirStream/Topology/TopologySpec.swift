import WeirAlgorithm
import WeirCore
import WeirKafka

/// A stream topology as declared in a YAML file: where records come from, how they are
/// decoded, which operators they pass, where results and rejects go, and the delivery
/// guarantee. Pure data; `TopologyLoader` reads it and `PipelineBuilder` runs it.
public struct TopologySpec: Sendable, Equatable {
    public var name: String
    public var source: SourceSpec
    public var decode: DecodeSpec
    public var schema: SchemaSpec?
    public var operators: [OperatorSpec]
    public var sinks: [SinkSpec]
    /// Per sink, the variant of events it takes (`shadow` for a shadow model's outputs);
    /// nil (or a missing entry) takes the primary events.
    public var sinkVariants: [String?] = []
    public var deadLetter: SinkSpec?
    public var delivery: DeliveryGuarantee
    /// librdkafka properties applied to every client of this topology.
    public var kafka: [String: String]
    /// Properties for consumers only (`kafka_consumer:`), so producers do not warn about them.
    public var kafkaConsumer: [String: String] = [:]
    /// Properties for producers only (`kafka_producer:`).
    public var kafkaProducer: [String: String] = [:]
    public var metricsPort: Int?
    /// The address the metrics endpoint binds (`metrics_address`; loopback by default).
    public var metricsAddress: String?
    public var commitIntervalMs: Int
    /// Records larger than this go to the dead-letter sink instead of being processed.
    public var maxRecordBytes: Int
    /// Where per-partition operator state is handed off on rebalances.
    public var stateChangelogTopic: String?
    /// The algorithms the topology was read with; its online and predict operators are
    /// built from them.
    public var catalog = AlgorithmCatalog([])

    public init(name: String, source: SourceSpec, decode: DecodeSpec = DecodeSpec(), schema: SchemaSpec? = nil,
                operators: [OperatorSpec] = [], sinks: [SinkSpec], deadLetter: SinkSpec? = nil,
                delivery: DeliveryGuarantee = .atLeastOnce, kafka: [String: String] = [:], metricsPort: Int? = nil,
                commitIntervalMs: Int = 1000, maxRecordBytes: Int = 1 << 20, stateChangelogTopic: String? = nil) {
        self.name = name
        self.source = source
        self.decode = decode
        self.schema = schema
        self.operators = operators
        self.sinks = sinks
        self.deadLetter = deadLetter
        self.delivery = delivery
        self.kafka = kafka
        self.metricsPort = metricsPort
        self.commitIntervalMs = commitIntervalMs
        self.maxRecordBytes = maxRecordBytes
        self.stateChangelogTopic = stateChangelogTopic
    }
}

public enum DeliveryGuarantee: String, Sendable, Equatable {
    case atLeastOnce = "at_least_once"
    case exactlyOnce = "exactly_once"
}

public enum SourceSpec: Sendable, Equatable {
    case kafka(KafkaSourceSpec)
    case file(FileSourceSpec)
}

public struct KafkaSourceSpec: Sendable, Equatable {
    public var topics: [String]
    public var group: String
    /// Producer `transactional.id` for exactly-once; must be stable across restarts of
    /// the same instance and unique among instances.
    public var transactionalID: String?

    public init(topics: [String], group: String, transactionalID: String? = nil) {
        self.topics = topics
        self.group = group
        self.transactionalID = transactionalID
    }
}

/// A replayed file: lines of CSV or JSON, or a capture of raw Kafka records.
public struct FileSourceSpec: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable {
        case lines, capture

        /// Reads a format name as users write it: `lines`, `jsonl`, `json` or `csv` (all
        /// one record per line) or `capture`.
        public init?(name: String) {
            switch name {
            case "lines", "jsonl", "json", "csv": self = .lines
            case "capture": self = .capture
            default: return nil
            }
        }
    }
    public var path: String
    public var format: Format
    public var pace: ReplayPace

    public init(path: String, format: Format = .lines, pace: ReplayPace = .fullSpeed) {
        self.path = path
        self.format = format
        self.pace = pace
    }
}

/// How fast a replay delivers records: as fast as possible, at the pace their
/// timestamps say, or that pace sped up N times.
public enum ReplayPace: Sendable, Equatable, CustomStringConvertible {
    case fullSpeed
    case scaled(Double)

    public static let realTime = ReplayPace.scaled(1)

    /// Parses `full`, `realtime`, or `10x`.
    public init?(text: String) {
        switch text.lowercased() {
        case "full", "fast", "max": self = .fullSpeed
        case "realtime", "real_time", "real-time", "1x": self = .scaled(1)
        default:
            guard text.lowercased().hasSuffix("x"), let factor = Double(text.dropLast()), factor > 0, factor.isFinite else {
                return nil
            }
            self = .scaled(factor)
        }
    }

    public var description: String {
        switch self {
        case .fullSpeed: return "full"
        case .scaled(let factor): return factor == 1 ? "realtime" : "\(factor)x"
        }
    }
}

public struct DecodeSpec: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable {
        case json, csv, raw
        /// Apache/nginx Common or Combined Log Format lines.
        case accessLog = "access_log"
    }
    public var format: Format
    /// CSV column names; when empty and `header` is true, the first line names them.
    public var columns: [String]
    public var header: Bool
    public var delimiter: UInt8
    /// A field holding the event time (epoch seconds or milliseconds, or ISO 8601 text);
    /// it sets the output timestamp and paces real-time replay.
    public var timestampField: String?

    public init(format: Format = .json, columns: [String] = [], header: Bool = false, delimiter: UInt8 = UInt8(ascii: ","),
                timestampField: String? = nil) {
        self.format = format
        self.columns = columns
        self.header = header
        self.delimiter = delimiter
        self.timestampField = timestampField
    }
}

/// Maps decoded fields to a feature vector and a key.
public struct SchemaSpec: Sendable, Equatable {
    public enum MissingPolicy: String, Sendable, Equatable {
        /// A missing or null feature becomes NaN (models impute or skip it).
        case nan
        /// A missing, null or non-finite feature dead-letters the record.
        case reject
    }

    public var key: String?
    public var features: [String]
    public var missing: MissingPolicy

    public init(key: String? = nil, features: [String] = [], missing: MissingPolicy = .nan) {
        self.key = key
        self.features = features
        self.missing = missing
    }
}

public enum OperatorSpec: Sendable, Equatable {
    case filter(FilterCondition)
    case project(keep: [String], rename: [(String, String)])
    case keyBy(field: String)
    case countByKey(outputField: String)
    /// The online operator of a catalogue algorithm (`random_cut_forest`, `ip_insights`,
    /// `deepar_forecast`).
    case online(OnlineOperatorSpec)
    case predict(PredictOperatorSpec)

    public static func == (lhs: OperatorSpec, rhs: OperatorSpec) -> Bool {
        switch (lhs, rhs) {
        case (.filter(let a), .filter(let b)): return a == b
        case (.project(let keepA, let renameA), .project(let keepB, let renameB)):
            return keepA == keepB && renameA.elementsEqual(renameB, by: ==)
        case (.keyBy(let a), .keyBy(let b)): return a == b
        case (.countByKey(let a), .countByKey(let b)): return a == b
        case (.online(let a), .online(let b)): return a == b
        case (.predict(let a), .predict(let b)): return a == b
        default: return false
        }
    }
}

/// `field op value`: keeps the events for which it holds.
public struct FilterCondition: Sendable, Equatable {
    public enum Comparison: String, Sendable, Equatable, CaseIterable {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case exists, missing
    }

    public var field: String
    public var comparison: Comparison
    public var value: JSONValue

    public init(field: String, comparison: Comparison, value: JSONValue = .null) {
        self.field = field
        self.comparison = comparison
        self.value = value
    }
}

public enum SinkSpec: Sendable, Equatable {
    case kafka(topic: String)
    case file(path: String)
    case stdout
}

extension TopologySpec {
    /// Properties for this topology's consumers: `kafka:`, then `kafka_consumer:`, then
    /// `overrides` (the command line's `-b`/`-X`, which win over the file).
    public func consumerConfiguration(_ overrides: KafkaConfiguration) -> KafkaConfiguration {
        KafkaConfiguration(kafka).merging(KafkaConfiguration(kafkaConsumer)).merging(overrides)
    }

    /// Properties for this topology's producers: `kafka:`, then `kafka_producer:`, then `overrides`.
    public func producerConfiguration(_ overrides: KafkaConfiguration) -> KafkaConfiguration {
        KafkaConfiguration(kafka).merging(KafkaConfiguration(kafkaProducer)).merging(overrides)
    }
}
