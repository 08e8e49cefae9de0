import Foundation

/// A `weir` command running as a real child process, with its output captured in
/// files so a test can read it after the process ends or is killed.
public final class WeirProcess: @unchecked Sendable {
    public let child: ChildProcess
    public let stdoutFile: URL
    public let stderrFile: URL

    /// Starts `weir` in `folder`; its output goes to `name`.out and `name`.err in
    /// `outputFolder` (default `folder`: pass a scratch folder when running in the repository).
    public init(_ arguments: [String], in folder: URL, name: String, outputIn outputFolder: URL? = nil) throws {
        stdoutFile = (outputFolder ?? folder).appendingPathComponent("\(name).out")
        stderrFile = (outputFolder ?? folder).appendingPathComponent("\(name).err")
        child = try ChildProcess(executable: TestPaths.weirBinary.path, arguments: arguments, directory: folder.path,
                                 stdoutPath: stdoutFile.path, stderrPath: stderrFile.path)
    }

    /// Runs `weir` to completion (two minutes at most) and returns its exit code and output.
    public static func run(_ arguments: [String], in folder: URL, name: String = "weir", outputIn outputFolder: URL? = nil) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let process = try WeirProcess(arguments, in: folder, name: name, outputIn: outputFolder)
        process.wait(seconds: 120)
        return (process.terminationStatus, process.stdout, process.stderr)
    }

    public var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }
    /// The exit code, or -1 while the process still runs.
    public var terminationStatus: Int32 { child.terminationStatus ?? -1 }

    public func signal(_ number: Int32) { child.signal(number) }

    @discardableResult
    public func wait(seconds: Double) -> Bool { child.wait(seconds: seconds) }

    /// Waits until `text` appears in stderr or stdout (for readiness), up to `seconds`.
    @discardableResult
    public func waitForOutput(containing text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stderr.contains(text) || stdout.contains(text) { return true }
            if !child.isRunning { return stderr.contains(text) || stdout.contains(text) }
            usleep(50_000)
        }
        return false
    }
}
