import Foundation

/// A `weir` command running as a real child process, with its output captured in
/// files so a test can read it after the process ends or is killed.
public final class WeirProcess: @unchecked Sendable {
    public let process = Process()
    public let stdoutFile: URL
    public let stderrFile: URL

    public init(_ arguments: [String], in folder: URL, name: String) throws {
        stdoutFile = folder.appendingPathComponent("\(name).out")
        stderrFile = folder.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = TestPaths.weirBinary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
    }

    /// Runs `weir` to completion and returns its exit code, stdout and stderr.
    public static func run(_ arguments: [String], in folder: URL, name: String = "weir") throws
        -> (status: Int32, stdout: String, stderr: String) {
        let child = try WeirProcess(arguments, in: folder, name: name)
        child.wait(seconds: 120)
        return (child.process.terminationStatus, child.stdout, child.stderr)
    }

    public var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits up to `seconds` for the process to end; true when it did.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return !process.isRunning
    }

    /// Waits until `text` appears in stderr or stdout (for readiness), up to `seconds`.
    @discardableResult
    public func waitForOutput(containing text: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stderr.contains(text) || stdout.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) || stdout.contains(text) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            wait(seconds: 5)
        }
    }
}
