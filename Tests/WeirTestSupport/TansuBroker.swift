import Foundation
import WeirKafka

/// A real, independent Kafka-protocol broker (Tansu) on a free loopback port, stopped
/// when released. It needs librdkafka >= 2.2 in the test process (Debian's 2.0.2 cannot
/// parse its responses); `scripts/test` puts a newer one on LD_LIBRARY_PATH.
public final class TansuBroker: @unchecked Sendable {
    public let port: Int
    public let bootstrapServers: String
    private let process: ChildProcess

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        let binary = TestPaths.tansuBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw Unavailable(description: "Tansu is not installed at \(binary.path): run scripts/test (it installs it), or set WEIR_TANSU")
        }
        let version = KafkaLibrary.version.split(separator: ".").compactMap { Int($0) }
        guard version.count >= 2, (version[0], version[1]) >= (2, 2) else {
            throw Unavailable(description: "Tansu needs librdkafka >= 2.2 but \(KafkaLibrary.version) is loaded: run scripts/test, which sets LD_LIBRARY_PATH")
        }
        port = freeLoopbackPort()
        bootstrapServers = "127.0.0.1:\(port)"
        process = try ChildProcess(executable: binary.path, arguments: [
            "broker", "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://127.0.0.1:\(port)",
        ])
        let deadline = Date().addingTimeInterval(10)
        while !loopbackPortAccepts(port) {
            guard Date() < deadline, process.isRunning else {
                process.signal(SIGKILL)
                throw Unavailable(description: "Tansu did not start listening on \(bootstrapServers)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    deinit {
        // Memory storage only: nothing to shut down cleanly, and SIGKILL cannot be ignored.
        process.signal(SIGKILL)
        process.wait(seconds: 5)
    }

    /// Creates a topic with `partitions` partitions through the Kafka admin API.
    public func createTopic(_ name: String, partitions: Int32) throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServers]))
        try admin.createTopic(name, partitions: partitions)
    }
}
