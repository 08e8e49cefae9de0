import Foundation
import WeirKafka

/// Produces `count` JSON records `{"id":N,"user":"uK"}` keyed by user at a steady rate
/// on its own thread, so a test can kill or stop a consumer while input is still flowing.
public final class SteadyProducer: @unchecked Sendable {
    public let count: Int
    public let users: Int
    private let done = DispatchSemaphore(value: 0)
    private let failureBox = FailureBox()

    /// The error that stopped the producer thread, if any (guarded by a lock).
    final class FailureBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Error?
        var error: Error? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    public init(topic: String, bootstrap: String, count: Int, users: Int = 50, seconds: Double) {
        self.count = count
        self.users = users
        let doneSignal = done
        let failureBox = failureBox
        let thread = Thread {
            let start = Date()
            do {
                let producer = try KafkaProducer(configuration: KafkaConfiguration(["bootstrap.servers": bootstrap]))
                var failed: KafkaError?
                producer.deliveryHandler = { if let error = $0.error { failed = error } }
                for index in 0..<count {
                    let user = "u\(index % users)"
                    let value = Array(#"{"id":\#(index),"user":"\#(user)"}"#.utf8)
                    try producer.send(OutgoingMessage(topic: topic, key: Array(user.utf8), value: value), token: 1)
                    let due = start.addingTimeInterval(seconds * Double(index + 1) / Double(count))
                    let wait = due.timeIntervalSinceNow
                    if wait > 0 { producer.poll(timeoutMs: Int32(wait * 1000)) } else { producer.poll(timeoutMs: 0) }
                }
                try producer.flush(timeoutMs: 60_000)
                if let failed { throw failed }
            } catch {
                failureBox.error = error
            }
            doneSignal.signal()
        }
        thread.start()
    }

    /// Waits until every record was produced and acknowledged.
    public func waitUntilDone() throws {
        done.wait()
        if let failure = failureBox.error { throw failure }
    }
}
