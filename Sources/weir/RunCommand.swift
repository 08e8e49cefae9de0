import ArgumentParser
import Foundation
import Logging
import WeirAlgorithm
import WeirCatalog
import WeirKafka
import WeirStream

/// `weir run TOPOLOGY`: runs a topology until SIGINT/SIGTERM (or until idle), against a
/// Kafka cluster or an embedded in-process broker. A file source is replayed instead.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a topology: consume, process, produce, commit."
    )

    @Argument(help: "Topology YAML file.")
    var topology: String

    @Flag(help: "Start librdkafka's in-process mock cluster, print its address, and run against it.")
    var embeddedBroker = false

    @Option(help: "With --embedded-broker: partitions of each topic it creates.")
    var partitions: Int32 = 4

    @Option(help: "With --embedded-broker: produce this JSON-lines/CSV file into the source topic first.")
    var seed: String?

    @Option(help: "JSON field used as the key of seeded records.")
    var seedKeyField: String?

    @Option(help: "When the run ends, write each Kafka sink topic (and the dead-letter topic) to DIR/TOPIC.jsonl, one value per line: how to see what an --embedded-broker run produced.")
    var captureOutputs: String?

    @Option(help: "Stop after this many seconds without input (default: run until a signal).")
    var stopWhenIdle: Double?

    @Option(help: "Serve Prometheus metrics on this port (overrides metrics_port).")
    var metricsPort: Int?

    @Option(help: "Address the metrics endpoint binds (overrides metrics_address; default 127.0.0.1, 0.0.0.0 for every interface).")
    var metricsAddress: String?

    @Option(help: "Exactly-once: file recording the transactions this instance committed.")
    var transactionLog: String?

    @Option(help: "Seconds to wait for the cluster to answer before giving up.")
    var connectTimeout: Int = 15

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...100_000).contains(partitions) else { throw ValidationError("--partitions must be from 1 to 100000, found \(partitions)") }
        if let stopWhenIdle, !(stopWhenIdle > 0 && stopWhenIdle <= 31_536_000) {
            throw ValidationError("--stop-when-idle must be a number of seconds above 0 and at most 31536000 (a year), found \(stopWhenIdle)")
        }
        if let metricsPort, !(0...65_535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be a port number from 0 to 65535, found \(metricsPort)")
        }
        if let metricsAddress, !MetricsServer.isIPv4Address(metricsAddress) {
            throw ValidationError("--metrics-address must be an IPv4 address such as 127.0.0.1 or 0.0.0.0, found '\(metricsAddress)'")
        }
        guard (1...86_400).contains(connectTimeout) else {
            throw ValidationError("--connect-timeout must be from 1 to 86400 seconds, found \(connectTimeout)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "weir")
        logger.info("weir \(Weir.version) with librdkafka \(KafkaLibrary.version)")
        let spec = try loadTopology(topology)
        var configuration = try kafka.configuration()

        if let port = metricsPort ?? spec.metricsPort {
            let server = MetricsServer(registry: MetricsServer.bootstrapMetrics())
            try server.start(host: metricsAddress ?? spec.metricsAddress ?? "127.0.0.1", port: port)
            print("metrics: http://\(server.host):\(server.port)/metrics")
        }

        var cluster: MockCluster?
        if embeddedBroker {
            let mock = try MockCluster(brokers: 1)
            cluster = mock
            configuration["bootstrap.servers"] = mock.bootstrapServers
            try createEmbeddedTopics(spec, on: mock)
            print("embedded Kafka broker: \(mock.bootstrapServers)")
            fflush(nil)
            if let seed {
                guard case .kafka(let source) = spec.source, let topic = source.topics.first else {
                    throw ValidationError("--seed needs a topology with a kafka source")
                }
                let count = try FileProducer.produce(file: seed, format: .lines, topic: topic, keyField: seedKeyField,
                                                     configuration: spec.producerConfiguration(configuration))
                logger.info("seeded \(count) records from \(seed) into \(topic)")
            }
        }
        defer { withExtendedLifetime(cluster) {} }

        let settings = configuration
        if case .file = spec.source {
            try await PipelineService.runUntilSignalled(name: "weir-replay", logger: logger) { stop in
                let pipeline = try ReplayPipeline(spec: spec, configuration: settings, catalog: .weir)
                pipeline.progress = ProgressLine.printer(logger: logger)
                try pipeline.run(until: stop)
                logger.info("done: \(pipeline.stats.summary)")
            }
            return
        }
        try checkReachable(spec.producerConfiguration(configuration), logger: logger)
        let transactionLog = transactionLog
        let idle = stopWhenIdle.map { Duration.milliseconds(Int64($0 * 1000)) }
        do {
            try await PipelineService.runUntilSignalled(name: "weir-pipeline", logger: logger) { stop in
                let pipeline = try KafkaPipeline(spec: spec, configuration: settings, transactionLogPath: transactionLog,
                                                 logger: Logger(label: "weir.pipeline"), catalog: .weir)
                pipeline.progress = ProgressLine.printer(logger: logger)
                pipeline.idleTimeout = idle
                try pipeline.run(until: stop)
                logger.info("done: \(pipeline.stats.summary)")
                if let folder = captureOutputs { try captureSinkTopics(spec, into: folder, configuration: settings, logger: logger) }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Fails fast with the address when no broker answers, instead of retrying forever.
    func checkReachable(_ configuration: KafkaConfiguration, logger: Logger) throws {
        guard let address = configuration["bootstrap.servers"], !address.isEmpty else {
            FileHandle.standardError.write(Data("error: no Kafka bootstrap servers given: set kafka.bootstrap.servers in the topology, pass -b host:port, or run against an in-process broker with --embedded-broker\n".utf8))
            throw ExitCode(1)
        }
        do {
            let admin = try KafkaAdmin(configuration: configuration)
            let brokers = try admin.brokers(timeoutMs: Int32(connectTimeout * 1000))
            logger.info("connected", metadata: ["bootstrap": "\(address)", "brokers": "\(brokers)"])
        } catch {
            FileHandle.standardError.write(Data("error: cannot reach Kafka at \(address) within \(connectTimeout) s: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Writes every Kafka sink topic (and the dead-letter topic) to `folder/TOPIC.jsonl`.
    func captureSinkTopics(_ spec: TopologySpec, into folder: String, configuration: KafkaConfiguration, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var topics: [String] = []
        for sink in spec.sinks + (spec.deadLetter.map { [$0] } ?? []) {
            if case .kafka(let topic) = sink, !topics.contains(topic) { topics.append(topic) }
        }
        for topic in topics {
            let path = (folder as NSString).appendingPathComponent("\(topic).jsonl")
            let count = try TopicCapture.capture(topic: topic, to: path, configuration: configuration, output: .valueLines)
            logger.info("captured \(count) records of \(topic) into \(path)")
            print("\(topic): \(count) records in \(path)")
        }
    }

    func createEmbeddedTopics(_ spec: TopologySpec, on cluster: MockCluster) throws {
        var topics: [String] = []
        if case .kafka(let source) = spec.source { topics += source.topics }
        for sink in spec.sinks + (spec.deadLetter.map { [$0] } ?? []) {
            if case .kafka(let topic) = sink { topics.append(topic) }
        }
        for topic in Set(topics) { try cluster.createTopic(topic, partitions: partitions) }
    }
}
