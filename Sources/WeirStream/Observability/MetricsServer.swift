#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CoreMetrics
import Foundation
import Logging
import Prometheus

/// Serves the Prometheus exposition of every swift-metrics metric (with `# HELP` lines)
/// at `GET /metrics` on the address it is given (loopback by default), from one
/// dedicated thread; a client that stalls is dropped after two seconds either way. A
/// scrape endpoint needs nothing more than this, and it keeps an HTTP framework out of
/// the stream runtime's build.
public final class MetricsServer: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    public private(set) var port: Int = 0
    public private(set) var host = "127.0.0.1"
    private var socketDescriptor: Int32 = -1
    private let logger: Logger

    /// Registers Prometheus as the process's metrics backend (once per process).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    public init(registry: PrometheusCollectorRegistry, logger: Logger = Logger(label: "weir.metrics")) {
        self.registry = registry
        self.logger = logger
    }

    /// Binds `host:port` (port 0 picks a free one; `port` tells which) and starts serving.
    public func start(host: String = "127.0.0.1", port requested: Int) throws {
        guard let portNumber = UInt16(exactly: requested) else {
            throw MetricsServerError("the metrics port must be from 0 to 65535, found \(requested)")
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw MetricsServerError("socket: \(String(cString: strerror(errno)))") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(portNumber.bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(descriptor)
            throw MetricsServerError("invalid metrics host '\(host)'")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw MetricsServerError("cannot listen on \(host):\(requested) for metrics: \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = Int(UInt16(bigEndian: actual.sin_port))
        self.host = host
        socketDescriptor = descriptor
        let thread = Thread { [self] in serve() }
        thread.name = "weir-metrics"
        thread.start()
        logger.info("metrics at http://\(host):\(port)/metrics")
    }

    /// Whether `text` is a dotted IPv4 address the server can bind.
    public static func isIPv4Address(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    private func serve() {
        while true {
            let client = accept(socketDescriptor, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            respond(to: client)
            close(client)
        }
    }

    private func respond(to client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // A scraper that stops reading must not block the next one: sends time out too.
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8](repeating: 0, count: 4096)
        let count = recv(client, &request, request.count, 0)
        guard count > 0 else { return }
        let line = String(decoding: request.prefix(count).prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let body: [UInt8]
        let status: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            status = "200 OK"
            body = MetricHelp.annotate(registry.emitToBuffer())
        } else if parts.count >= 2, parts[0] == "GET", parts[1] == "/health" {
            status = "200 OK"
            body = Array("ok\n".utf8)
        } else {
            status = "404 Not Found"
            body = Array("not found: try /metrics\n".utf8)
        }
        let header = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let response = Array(header.utf8) + body
        var sent = 0
        while sent < response.count {
            let written = response.withUnsafeBytes { send(client, $0.baseAddress! + sent, response.count - sent, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            sent += written
        }
    }
}

public struct MetricsServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
