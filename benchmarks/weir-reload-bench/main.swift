// Hot reload in a running stream: how long from `promote` to the first record scored by
// the new version, and how much throughput dips around the swap. The stream is the
// random_cut_forest operator (50 trees x 256, 100 keys, record processor at full speed on
// its own thread); a second thread publishes and promotes a new version after 3 s.
//
//   weir-reload-bench [replace|keep_online] [KEYS]
import Foundation
import Synchronization
import WeirCatalog
import WeirCore
import WeirMath
import WeirRCF
import WeirRegistry
import WeirStream

let policy = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "replace"
let keys = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 100 : 100
let folder = NSTemporaryDirectory() + "weir-reload-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: folder) }

func payload(seed: UInt64) -> [UInt8] {
    var configuration = RandomCutForest.Configuration(dimensions: 2)
    configuration.seed = seed
    let forest = RandomCutForest(configuration)
    var random = RandomSource(seed: seed)
    for _ in 0..<5_000 { forest.update([Float(random.normal()), Float(random.normal())]) }
    return forest.encoded()
}

func publish(_ registry: ModelRegistry, seed: UInt64) throws -> Int {
    try registry.publish(SnapshotEnvelope(algorithm: "randomcutforest", modelName: "m",
                                          featureSchemaHash: SnapshotEnvelope.schemaHash(of: ["cpu", "latency"]),
                                          payload: payload(seed: seed))).version
}

let registry = try ModelRegistry(directory: folder)
try registry.promote("m", version: try publish(registry, seed: 1), to: .production)
let spec = try TopologyLoader.parse("""
    name: reload-bench
    source: {file: {path: in.jsonl}}
    schema: {key: host, features: [cpu, latency]}
    operators:
      - random_cut_forest: {shingle_size: 1, model: {registry: "\(folder)", name: m, on_reload: \(policy)}}
    sinks: [stdout: {}]
    """, file: "reload-bench.yaml", catalog: .weir)

var random = RandomSource(seed: 9)
let lines: [[UInt8]] = (0..<20_000).map { index in
    Array(#"{"host":"h\#(index % keys)","cpu":\#(random.normal()),"latency":\#(random.normal())}"#.utf8)
}

let stop = Atomic<Bool>(false)
let promotedAt = Mutex<ContinuousClock.Instant?>(nil)
let firstNew = Mutex<ContinuousClock.Instant?>(nil)
let windows = Mutex<[(ContinuousClock.Instant, Int)]>([])

let worker = Thread {
    let processor = RecordProcessor(spec: spec)
    try! processor.open()
    var events: [Event] = []
    var count = 0, index = 0
    var windowStart = ContinuousClock.now
    while !stop.load(ordering: .relaxed) {
        events.removeAll(keepingCapacity: true)
        let record = RawRecord(key: nil, value: lines[index % lines.count], origin: RecordOrigin(topic: "t", partition: 0, offset: Int64(index)))
        try! processor.transform(record, into: &events)
        index += 1
        count += 1
        if events.first?.fields["model_version"] == .string("m:v2") {
            firstNew.withLock { if $0 == nil { $0 = ContinuousClock.now } }
        }
        let now = ContinuousClock.now
        if now - windowStart >= .milliseconds(100) {
            let finished = count
            windows.withLock { $0.append((windowStart, finished)) }
            windowStart = now
            count = 0
        }
    }
}
worker.stackSize = 8 << 20
worker.start()
Thread.sleep(forTimeInterval: 3)
let publisher = try ModelRegistry(directory: folder)
let second = try publish(publisher, seed: 2)
let promoted = ContinuousClock.now
try publisher.promote("m", version: second, to: .production)
promotedAt.withLock { $0 = promoted }
Thread.sleep(forTimeInterval: 3)
stop.store(true, ordering: .relaxed)
Thread.sleep(forTimeInterval: 0.3)

let recorded = windows.withLock { $0 }
let before = recorded.filter { $0.0 < promoted }.dropFirst(5).map { Double($0.1) * 10 }.sorted()
let after = recorded.filter { $0.0 >= promoted }
let median = before.isEmpty ? 0 : before[before.count / 2]
let swapWindows = after.prefix(3).map { Double($0.1) * 10 }
let lowest = swapWindows.min() ?? 0
let secondAfter = after.prefix(10).reduce(0) { $0 + $1.1 }
let latency = firstNew.withLock { $0 }.map { ($0 - promoted) }
let latencyMs = latency.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 } ?? -1
print(#"{"policy":"\#(policy)","keys":\#(keys),"promote_to_first_new_ms":\#(latencyMs),"median_records_per_s":\#(median),"lowest_100ms_window_after_promote_per_s":\#(lowest),"records_in_first_second_after":\#(secondAfter),"dip_percent":\#(median > 0 ? (1 - Double(secondAfter) / median) * 100 : 0)}"#)
