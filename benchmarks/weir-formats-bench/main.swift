// Release-mode parse throughput of Weir's data readers, printed as one JSON object for
// benchmarks/run_formats.py, which times pandas and SageMaker's Python SDK on the same files.
//
//   weir-formats-bench csv FILE        dense numeric CSV, label in the first column
//   weir-formats-bench recordio FILE   RecordIO-protobuf records
import Foundation
import WeirFormats

let arguments = CommandLine.arguments
guard arguments.count == 3, let format = DataFormat(rawValue: arguments[1]) else {
    print("usage: weir-formats-bench csv|recordio|libsvm|jsonlines FILE")
    exit(2)
}
let path = arguments[2]
let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
let start = ContinuousClock.now
var rows = 0
var checksum = 0.0
do {
    let source = try DataRowSource(path: path, format: format)
    while let row = try source.next() {
        rows += 1
        if case .dense(let values) = row.features, let first = values.first { checksum += first }
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
let elapsed = (ContinuousClock.now - start).components
let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
print(#"{"impl":"weir","format":"\#(format.rawValue)","rows":\#(rows),"seconds":\#(seconds),"mb_per_s":\#(Double(bytes) / seconds / 1e6),"rows_per_s":\#(Double(rows) / seconds),"checksum":\#(checksum)}"#)
