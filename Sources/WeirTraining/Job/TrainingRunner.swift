import Foundation

/// Why a training job could not start: an unknown algorithm or missing channels.
public struct TrainingJobError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Runs `weir train`: validates hyperparameters and channels, trains, and on failure
/// writes the reason where SageMaker looks for it (first 1,024 characters).
public enum TrainingRunner {
    /// Every algorithm `weir train` knows, by SageMaker name.
    public static var algorithms: [any TrainingAlgorithm.Type] { [RandomCutForestJob.self, IPInsightsJob.self, DeepARJob.self, StatisticsJob.self] }

    public static func algorithm(named name: String) throws(TrainingJobError) -> any TrainingAlgorithm.Type {
        let wanted = name.lowercased()
        guard let found = algorithms.first(where: { $0.name == wanted || $0.aliases.contains(wanted) }) else {
            throw TrainingJobError(message: "unknown algorithm '\(name)'; available: \(algorithms.map { $0.name }.joined(separator: ", "))")
        }
        return found
    }

    /// Trains `algorithmName` as `spec` describes; rethrows after recording the failure.
    public static func run(_ algorithmName: String, spec: TrainingJobSpec, metrics: MetricsReporter? = nil) throws {
        do {
            let type = try algorithm(named: algorithmName)
            let missing = type.requiredChannels.subtracting(spec.channels.keys)
            guard missing.isEmpty else {
                throw TrainingJobError(message: "\(type.name) needs the channel(s) \(missing.sorted().joined(separator: ", ")); given: \(spec.channels.keys.sorted().joined(separator: ", "))")
            }
            let unknown = Set(spec.channels.keys).subtracting(type.requiredChannels).subtracting(type.optionalChannels)
            guard unknown.isEmpty else {
                throw TrainingJobError(message: "\(type.name) does not use the channel(s) \(unknown.sorted().joined(separator: ", "))")
            }
            let hyperparameters = try Hyperparameters(spec.hyperparameters, schema: type.hyperparameters)
            let algorithm = try type.init(hyperparameters: hyperparameters)
            let context = TrainingContext(channels: spec.channels, modelDirectory: spec.modelDirectory,
                                          metrics: metrics ?? MetricsReporter(host: spec.currentHost),
                                          hostIndex: spec.hostIndex, hostCount: spec.hosts.count)
            try algorithm.train(context)
        } catch {
            if let failurePath = spec.failurePath {
                let folder = (failurePath as NSString).deletingLastPathComponent
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: failurePath, contents: Data(String("\(error)".prefix(1024)).utf8))
            }
            throw error
        }
    }
}
