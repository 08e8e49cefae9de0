import Foundation
import WeirXGBoost

/// Prediction rate of an XGBoost model file over CSV records held in memory (no parsing
/// timed): all records at once (`XGBoostModel.predict(batch:)`) and one at a time.
///     weir-xgboost-bench MODEL RECORDS.csv [--threads N] [--single N]
/// Prints records per second of wall time and per CPU-second, as benchmarks/run_xgboost.py
/// prints xgboost's inplace_predict beside it.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let bytes = FileManager.default.contents(atPath: arguments[1]),
      let text = try? String(contentsOfFile: arguments[2], encoding: .utf8) else {
    FileHandle.standardError.write(Data("usage: weir-xgboost-bench MODEL RECORDS.csv [--threads N] [--single N]\n".utf8))
    exit(2)
}
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
let threads = option("--threads", 1)
let singles = option("--single", 20_000)
do {
    let model = try XGBoostModel(snapshot: Array(bytes), name: arguments[1])
    var rows: [Float] = []
    var count = 0
    for line in text.split(separator: "\n") {
        // The first column is the label: skipped.
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).dropFirst()
        guard fields.count == model.featureCount else { continue }
        rows += fields.map { Float($0) ?? .nan }
        count += 1
    }
    let rounds = 5
    var batchRates: [Double] = [], batchCPU: [Double] = []
    var checksum: Float = 0
    for _ in 0..<rounds {
        let wall = Date(), cpu = cpuSeconds()
        let margins = model.margins(batch: rows, count: count, threads: threads)
        checksum += margins[0]
        batchRates.append(Double(count) / Date().timeIntervalSince(wall))
        batchCPU.append(Double(count) / max(cpuSeconds() - cpu, 1e-9))
    }
    let compiled = CompiledEnsemble(model)
    let single = min(singles, count)
    let wall = Date(), cpu = cpuSeconds()
    for index in 0..<single {
        checksum += compiled.margins(Array(rows[(index * model.featureCount)..<((index + 1) * model.featureCount)]))[0]
    }
    let singleRate = Double(single) / Date().timeIntervalSince(wall)
    let singleCPU = Double(single) / max(cpuSeconds() - cpu, 1e-9)
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    print("weir: \(count) records x \(model.featureCount) features, \(model.trees.count) trees, \(threads) thread(s)")
    print(String(format: "  batch: %.0f records/s wall, %.0f records per CPU-second (median of %d)", median(batchRates), median(batchCPU), rounds))
    print(String(format: "  one at a time: %.0f records/s wall, %.0f records per CPU-second (checksum %g)", singleRate, singleCPU, Double(checksum)))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
