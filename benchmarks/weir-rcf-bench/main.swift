// Release-mode throughput of Weir's random cut forest (score, then update, per point),
// printed as JSON for benchmarks/run_rcf.py, which runs rrcf on the same series.
//
//   weir-rcf-bench SERIES_FILE SHINGLE [TREES] [SAMPLES] [BOX_CACHE_FRACTION]
//   weir-rcf-bench --grades DATASET_CSV    (t,value,label: prints score and grade per line)
import Foundation
import WeirRCF

let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "--grades" {
    // Detection quality: the thresholded forest with its defaults (shingle 4) over a
    // labelled stream; missing values are empty fields.
    guard let text = try? String(contentsOfFile: arguments[2], encoding: .utf8) else {
        print("cannot read \(arguments[2])")
        exit(2)
    }
    var configuration = ThresholdedRandomCutForest.Configuration(inputDimensions: 1)
    configuration.seed = 42
    let detector = ThresholdedRandomCutForest(configuration)
    var output = ""
    for (index, line) in text.split(separator: "\n").dropFirst().enumerated() {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        let result = detector.process([Double(fields[1]) ?? .nan], timestamp: Int64(index))
        output += "\(result.score) \(result.grade) \(Int(result.index) + result.relativeIndex)\n"
    }
    print(output, terminator: "")
    exit(0)
}
guard arguments.count >= 3, let text = try? String(contentsOfFile: arguments[1], encoding: .utf8), let shingle = Int(arguments[2]) else {
    print("usage: weir-rcf-bench SERIES_FILE SHINGLE [TREES] [SAMPLES]")
    exit(2)
}
let series = text.split(separator: "\n").compactMap { Float($0) }
var configuration = RandomCutForest.Configuration(dimensions: shingle)
configuration.numberOfTrees = arguments.count > 3 ? Int(arguments[3]) ?? 50 : 50
configuration.sampleSize = arguments.count > 4 ? Int(arguments[4]) ?? 256 : 256
configuration.boundingBoxCacheFraction = arguments.count > 5 ? Double(arguments[5]) ?? 1 : 1
// The points are consecutive shingles: the point store keeps one new value per point.
configuration.externalShingleStep = 1
configuration.seed = UInt64(ProcessInfo.processInfo.environment["WEIR_SEED"] ?? "42") ?? 42
let forest = RandomCutForest(configuration)
var window: [Float] = []
var checksum = 0.0
var points = 0
let start = ContinuousClock.now
for value in series {
    window.append(value)
    if window.count > shingle { window.removeFirst() }
    guard window.count == shingle else { continue }
    checksum += forest.scoreAndUpdate(window)
    points += 1
}
let elapsed = (ContinuousClock.now - start).components
let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
print(#"{"impl":"weir","shingle":\#(shingle),"points":\#(points),"seconds":\#(seconds),"points_per_s":\#(Double(points) / seconds),"mean_score":\#(checksum / Double(points)),"forest_bytes":\#(forest.memoryBytes),"box_cache_fraction":\#(configuration.boundingBoxCacheFraction)}"#)
