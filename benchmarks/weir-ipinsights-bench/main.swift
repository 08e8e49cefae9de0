import Foundation
import WeirIPInsights
import WeirMath

/// IP Insights speed, one thread: scoring (entity row + address -> dot product, and from
/// text: entity hashing and address parsing too) and training (pairs per second, real
/// and negative). Reads headerless `entity,ip` CSV; prints one JSON object per line.
///
///   weir-ipinsights-bench score FILE DIM LAYERS EVENTS
///   weir-ipinsights-bench train FILE DIM BATCH EPOCHS
///   weir-ipinsights-bench rows FILE DIM OUT   (hashed rows for the PyTorch peer: int32
///       per pair: entity row, 7 prefix rows, then 7 rows of one random address)
BLAS.setThreadCount(1)

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func readPairs(_ path: String) -> (entities: [String], addresses: [IPAddress]) {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fatalError("cannot read \(path)") }
    var entities: [String] = [], addresses: [IPAddress] = []
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: ",")
        guard fields.count == 2, let address = IPAddress(fields[1]) else { continue }
        entities.append(String(fields[0]))
        addresses.append(address)
    }
    return (entities, addresses)
}

let arguments = CommandLine.arguments
guard arguments.count >= 5 else {
    print("usage: weir-ipinsights-bench score|train|rows FILE DIM ...")
    exit(2)
}
let (entities, addresses) = readPairs(arguments[2])
let dimension = Int(arguments[3])!
let entityVectors = 20_000

switch arguments[1] {
case "score":
    let layers = Int(arguments[4])!, events = Int(arguments[5])!
    let model = IPInsightsModel(configuration: .init(vectorDimension: dimension, entityVectors: entityVectors, ipVectors: 65_536, encoderLayers: layers), seed: 1)
    let scorer = IPInsightsScorer(model: model)
    let rows = entities.map { model.entityRow(EntityKey($0)) }
    var scores = [Float](repeating: 0, count: addresses.count)
    var checksum: Double = 0
    // Pre-parsed: rows and addresses in memory, scored in batches.
    var done = 0
    let start = cpuSeconds()
    while done < events {
        let count = min(addresses.count, events - done)
        rows.withUnsafeBufferPointer { rowBuffer in
            addresses.withUnsafeBufferPointer { addressBuffer in
                scores.withUnsafeMutableBufferPointer {
                    scorer.score(entityRows: UnsafeBufferPointer(rebasing: rowBuffer[0..<count]),
                                 addresses: UnsafeBufferPointer(rebasing: addressBuffer[0..<count]), into: $0.baseAddress!)
                }
            }
        }
        checksum += Double(scores[0])
        done += count
    }
    let batchSeconds = cpuSeconds() - start
    // From text: hash the entity and parse the address of every event, one at a time.
    let texts = zip(entities, addresses).map { ($0, $1.description) }
    done = 0
    let textStart = cpuSeconds()
    while done < events {
        for (entity, address) in texts.prefix(events - done) {
            checksum += Double(scorer.score(entityRow: model.entityRow(EntityKey(entity)), address: IPAddress(address)!))
        }
        done += min(texts.count, events - done)
    }
    let textSeconds = cpuSeconds() - textStart
    print("{\"kind\":\"score\",\"dim\":\(dimension),\"layers\":\(layers),\"events\":\(events),\"batch_events_per_cpu_second\":\(Double(events) / batchSeconds),\"text_events_per_cpu_second\":\(Double(events) / textSeconds),\"checksum\":\(checksum.isFinite ? 1 : 0)}")
case "train":
    let batch = Int(arguments[4])!, epochs = Int(arguments[5])!
    let model = IPInsightsModel(configuration: .init(vectorDimension: dimension, entityVectors: entityVectors, ipVectors: 65_536), seed: 1)
    let trainer = IPInsightsTrainer(model: model, options: .init(learningRate: 0.01, prefixDropout: 0), seed: 1)
    let rows = entities.map { model.entityRow(EntityKey($0)) }
    var pairs = 0
    var loss = 0.0
    let start = cpuSeconds()
    for _ in 0..<epochs {
        var index = 0
        while index < rows.count {
            let end = min(index + batch, rows.count)
            let result = trainer.train(entityRows: Array(rows[index..<end]), addresses: Array(addresses[index..<end]))
            pairs += result.pairs
            loss = result.loss
            index = end
        }
    }
    let seconds = cpuSeconds() - start
    print("{\"kind\":\"train\",\"dim\":\(dimension),\"batch\":\(batch),\"epochs\":\(epochs),\"pairs\":\(pairs),\"pairs_per_cpu_second\":\(Double(pairs) / seconds),\"last_loss\":\(loss)}")
case "rows":
    let buckets = IPPrefixBuckets(rowCount: 65_536)
    var random = RandomSource(seed: 3)
    var out: [Int32] = []
    out.reserveCapacity(entities.count * 15)
    for (entity, address) in zip(entities, addresses) {
        out.append(EntityKey(entity).row(of: entityVectors))
        out.append(contentsOf: buckets.rows(of: address))
        out.append(contentsOf: buckets.rows(of: IPAddress.random(sameFamilyAs: address, using: &random)))
    }
    guard FileManager.default.createFile(atPath: arguments[4], contents: out.withUnsafeBytes { Data($0) }) else { fatalError("cannot write \(arguments[4])") }
    print("{\"kind\":\"rows\",\"pairs\":\(entities.count)}")
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}
