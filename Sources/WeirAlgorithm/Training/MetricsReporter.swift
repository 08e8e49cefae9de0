#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import WeirFormats

/// Prints training metrics as SageMaker's built-in algorithms do, so that metric
/// definitions, CloudWatch filters and log parsers written for them keep working:
/// `#quality_metric: host=algo-1, epoch=0, train mse <loss>=0.41` (final values without
/// `epoch=`), `#progress_metric`, `#throughput_metric`. On a terminal it also keeps a
/// one-line progress bar on standard error.
public final class MetricsReporter {
    public let host: String
    private let output: (String) -> Void
    private let showsProgressBar: Bool

    public init(host: String = "algo-1", output: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) {
        self.host = host
        self.output = output
        showsProgressBar = isatty(STDERR_FILENO) == 1
    }

    /// A quality metric; `kind` is SageMaker's bracketed word (`loss`, `score`, `count`).
    public func quality(channel: String, metric: String, kind: String, value: Double, epoch: Int? = nil) {
        let where_ = epoch.map { "epoch=\($0), " } ?? ""
        output("#quality_metric: host=\(host), \(where_)\(channel) \(metric) <\(kind)>=\(NumberText.format(value))")
    }

    /// A metric line in an algorithm's own established form (XGBoost's
    /// `[12]<TAB>train-auc:0.98000`), printed as given.
    public func line(_ text: String) {
        output(text)
    }

    public func progress(completedEpochs: Int, of total: Int) {
        let percent = total > 0 ? Int((Double(completedEpochs) / Double(total) * 100).rounded()) : 100
        output("#progress_metric: host=\(host), completed \(percent) % of epochs")
    }

    public func throughput(channel: String, recordsPerSecond: Double) {
        output("#throughput_metric: host=\(host), \(channel) throughput=\(NumberText.format(recordsPerSecond.rounded())) records/second")
    }

    /// Redraws the terminal progress line (no-op when standard error is not a terminal).
    public func progressBar(epoch: Int, of total: Int, fraction: Double, loss: Double?, recordsPerSecond: Double) {
        guard showsProgressBar else { return }
        let width = 24
        let filled = max(0, min(width, Int(fraction * Double(width))))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let lossText = loss.map { " loss \(NumberText.format(($0 * 1e4).rounded() / 1e4))" } ?? ""
        let line = "\r epoch \(epoch + 1)/\(total) [\(bar)]\(lossText) \(Int(recordsPerSecond)) rec/s "
        FileHandle.standardError.write(Data(line.utf8))
    }

    public func endProgressBar() {
        if showsProgressBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
