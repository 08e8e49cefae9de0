import Foundation

/// One reader or decoder under fuzzing: valid seeds, how to mutate them, and how to feed
/// one input. Feeding returns normally (a value) or throws; an error must name the input
/// (the scratch file's path, or the label the target gives it). A trap ends the process,
/// which is the failure this harness exists to find.
public struct FuzzTarget: Sendable {
    public enum Mutation: Sendable {
        case text
        /// `checksummed`: the format ends with a CRC-32 of what comes before, recomputed
        /// after mutating so that the decoder behind the checksum is reached.
        case binary(checksummed: Bool)
    }

    public let name: String
    public let seeds: [[UInt8]]
    public let mutation: Mutation
    /// What errors may name instead of the file (a registry entry names itself NAME:vVERSION, as decoded).
    public let label: String?
    /// Feeds the input at `path` (already written); returns the number of values it gave.
    let feed: @Sendable (_ path: String) throws -> Int

    public init(name: String, seeds: [[UInt8]], mutation: Mutation, label: String? = nil,
                feed: @escaping @Sendable (_ path: String) throws -> Int) {
        self.name = name
        self.label = label
        self.seeds = seeds
        self.mutation = mutation
        self.feed = feed
    }

    /// The input of one case: a seed, mutated (every fourth case: random bytes of a seed's size).
    public func input(seed: UInt64, iteration: Int) -> [UInt8] {
        var random = FuzzRandom.forCase(target: name, seed: seed, iteration: iteration)
        let base = random.pick(seeds)
        if iteration % 16 == 15 { return (0..<random.below(max(base.count, 16))).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        switch mutation {
        case .text: return InputMutator.text(base, &random)
        case .binary(let checksummed): return InputMutator.binary(base, checksummed: checksummed, &random)
        }
    }
}

/// The tally of a campaign over one target.
public struct FuzzReport: Sendable, CustomStringConvertible {
    public var target: String
    public var inputs = 0
    public var accepted = 0
    public var refused = 0
    /// Errors that did not name the input (each is a defect; the first is kept).
    public var unnamedErrors = 0
    public var firstUnnamed: String?
    public var slowestSeconds = 0.0
    public var slowestIteration = 0

    public var description: String {
        let slowest = String(format: "%.3f", slowestSeconds)
        return "\(target): \(inputs) inputs, \(accepted) accepted, \(refused) refused with an error, \(unnamedErrors) errors not naming the input, slowest \(slowest) s (case \(slowestIteration))"
    }
}

public enum FuzzCampaign {
    /// Runs `iterations` cases of `target` from `first` with `seed`, writing each input to
    /// a file in `directory`. `progress` hears each case before it runs (to name a trap).
    public static func run(_ target: FuzzTarget, seed: UInt64, iterations: Range<Int>, directory: String,
                           progress: (Int) -> Void = { _ in }) -> FuzzReport {
        var report = FuzzReport(target: target.name)
        let path = directory + "/fuzz-input-\(target.name)"
        for iteration in iterations {
            progress(iteration)
            let bytes = target.input(seed: seed, iteration: iteration)
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                _ = try target.feed(path)
                report.accepted += 1
            } catch {
                report.refused += 1
                let text = String(describing: error)
                if !text.contains(path) && !text.contains("fuzz-input") && !(target.label.map(text.contains) ?? false) {
                    report.unnamedErrors += 1
                    if report.firstUnnamed == nil { report.firstUnnamed = "case \(iteration): \(text)" }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if seconds > report.slowestSeconds { (report.slowestSeconds, report.slowestIteration) = (seconds, iteration) }
            report.inputs += 1
        }
        try? FileManager.default.removeItem(atPath: path)
        return report
    }
}
