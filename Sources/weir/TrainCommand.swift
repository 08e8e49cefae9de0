import ArgumentParser
import Foundation
import WeirFormats
import WeirMath
import WeirRegistry
import WeirAlgorithm
import WeirCatalog

/// `weir train ALGO`: a training job with SageMaker's hyperparameter names, channels and
/// metric lines, from command-line options or from the SageMaker container layout.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an algorithm: weir train ALGO --channel train=PATH --hp name=value ... --model-dir DIR.",
        discussion: "Algorithms: " + AlgorithmCatalog.weir.entries.map { "\($0.name) (\($0.info.summary))" }.joined(separator: "; ")
            + ". `weir train ALGO --help` lists an algorithm's hyperparameters. With --sagemaker (or WEIR_SAGEMAKER_ROOT set) the job reads /opt/ml/input/config/*.json and "
            + "/opt/ml/input/data/<channel>, writes the model to /opt/ml/model and a failure reason to /opt/ml/output/failure."
    )

    @Argument(help: "The algorithm, by its SageMaker name.")
    var algorithm: String

    @Option(name: .customLong("channel"), help: "A channel: name=path (file or folder). Repeatable.")
    var channels: [String] = []

    @Option(name: .customLong("content-type"), help: "A channel's content type: name=type (e.g. train=text/csv;label_size=0).")
    var contentTypes: [String] = []

    @Option(name: .customLong("input-mode"), help: "A channel's input mode: name=File|Pipe.")
    var inputModes: [String] = []

    @Option(name: .customLong("record-wrapper"), help: "A channel's RecordWrapperType: name=None|RecordIO (JSON lines framed as RecordIO).")
    var recordWrappers: [String] = []

    @Option(name: .customLong("hp"), help: "A hyperparameter: name=value. Repeatable; wins over --hyperparameters.")
    var hyperparameterPairs: [String] = []

    @Option(help: "A JSON file of hyperparameters (SageMaker's hyperparameters.json).")
    var hyperparameters: String?

    @Option(help: "Where the model files go.")
    var modelDir = "model"

    @Option(help: "OpenBLAS threads for training (default: OPENBLAS_NUM_THREADS, else the algorithm's choice, else every core).")
    var blasThreads: Int?

    @Option(help: "Publish the trained model to the registry under this name (as the next version).")
    var publish: String?

    @Option(help: "The registry folder for --publish (default: $WEIR_REGISTRY or .weir-registry).")
    var registry: String = ModelRegistry.defaultDirectory

    @Option(help: "With --publish: the model's input features, comma-separated (else positional).")
    var features: String?

    @Option(help: "With --publish: the stage (staging, production or shadow).")
    var stage = "staging"

    @Option(help: "Keep a training checkpoint here after each epoch and resume from it (algorithms that resume: deepar, ipinsights; under --sagemaker, /opt/ml/checkpoints when present).")
    var checkpointDir: String?

    @Flag(help: "Read the job from SageMaker's container layout.")
    var sagemaker = false

    @Option(help: "Root of the SageMaker layout.")
    var sagemakerRoot = ProcessInfo.processInfo.environment["WEIR_SAGEMAKER_ROOT"] ?? "/opt/ml"

    func run() throws {
        if let blasThreads {
            guard blasThreads > 0 else { throw ValidationError("--blas-threads must be at least 1, got \(blasThreads)") }
            BLAS.setThreadCount(blasThreads)
        } else if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil,
                  let preferred = (try? AlgorithmCatalog.weir.entry(named: algorithm))?.info.preferredBLASThreads {
            BLAS.setThreadCount(preferred)
        }
        do {
            let spec = try jobSpec()
            if let failurePath = spec.failurePath { CrashReport.install(failurePath: failurePath, job: "train \(algorithm)") }
            var metrics: [String: Double] = [:]
            let reporter = MetricsReporter(host: spec.currentHost) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                if let parsed = Self.qualityMetric(line) { metrics[parsed.name] = parsed.value }
            }
            try TrainingRunner.run(algorithm, catalog: .weir, spec: spec, metrics: reporter)
            if let publish { try publishModel(publish, spec: spec, metrics: metrics) }
        } catch let error as ValidationError {
            throw error
        } catch let error as HyperparameterError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as TrainingJobError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// `channel metric` and value of a `#quality_metric:` line, e.g. ("test:f1", 0.9).
    static func qualityMetric(_ line: String) -> (name: String, value: Double)? {
        guard line.hasPrefix("#quality_metric:"), let equals = line.lastIndex(of: "="), let value = Double(line[line.index(after: equals)...]),
              let comma = line.lastIndex(of: ",") else { return nil }
        let words = line[line.index(after: comma)..<equals].split(separator: " ").filter { !$0.hasPrefix("<") }
        guard words.count >= 2 else { return nil }
        return ("\(words[0]):\(words[1...].joined(separator: "_"))", value)
    }

    /// Puts the trained model into the registry with its hyperparameters, metrics and a
    /// fingerprint of the train channel.
    func publishModel(_ name: String, spec: TrainingJobSpec, metrics: [String: Double]) throws {
        let entry = try AlgorithmCatalog.weir.entry(named: algorithm)
        guard let target = ModelRegistry.Stage(rawValue: stage) else { throw ValidationError("--stage: expected staging, production or shadow") }
        let path = spec.modelDirectory + "/" + entry.info.modelFile
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("the job wrote no \(path)") }
        let names = features?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        // A Pipe-mode channel's FIFOs were read once by the job and cannot be read again:
        // such a version is published without a data fingerprint.
        let train = spec.channels["train"]
        let dataFiles = train?.config.inputMode == .pipe ? [] : try train?.files(hostIndex: 0, hostCount: 1) ?? []
        let envelope = try ModelsCommand.envelope(name: name, algorithm: entry.name, payload: [UInt8](data), features: names,
                                                  dataFiles: dataFiles, trainingJob: "weir train \(entry.name)",
                                                  hyperparameters: spec.hyperparameters, metrics: metrics)
        let version = try ModelRegistry(directory: registry).publish(envelope, stage: target, actor: "weir train") {
            try SnapshotValidator(catalog: .weir).validate($0, features: names)
        }
        print("published \(version.label) (\(version.stage.rawValue)) to \(registry)")
    }

    static func pairs(_ values: [String], option: String) throws -> [(String, String)] {
        try values.map { value in
            guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                throw ValidationError("--\(option) takes name=value, got '\(value)'")
            }
            return (String(value[..<equals]), String(value[value.index(after: equals)...]))
        }
    }

    func jobSpec() throws -> TrainingJobSpec {
        var spec: TrainingJobSpec
        if sagemaker || ProcessInfo.processInfo.environment["WEIR_SAGEMAKER_ROOT"] != nil {
            spec = try TrainingJobSpec.sageMaker(root: sagemakerRoot)
        } else {
            spec = TrainingJobSpec(modelDirectory: modelDir)
        }
        if let checkpointDir { spec.checkpointDirectory = checkpointDir }
        if let hyperparameters {
            for (name, value) in try TrainingJobSpec.hyperparameters(fromFile: hyperparameters) { spec.hyperparameters[name] = value }
        }
        for (name, value) in try Self.pairs(hyperparameterPairs, option: "hp") { spec.hyperparameters[name] = value }
        let types = Dictionary(try Self.pairs(contentTypes, option: "content-type"), uniquingKeysWith: { $1 })
        let modes = Dictionary(try Self.pairs(inputModes, option: "input-mode"), uniquingKeysWith: { $1 })
        let wrappers = Dictionary(try Self.pairs(recordWrappers, option: "record-wrapper"), uniquingKeysWith: { $1 })
        for (name, path) in try Self.pairs(channels, option: "channel") {
            guard let mode = ChannelConfig.InputMode(rawValue: (modes[name] ?? "File").capitalized) else {
                throw ValidationError("--input-mode \(name)=\(modes[name] ?? ""): expected File or Pipe")
            }
            guard let wrapper = ChannelConfig.RecordWrapper(rawValue: wrappers[name] ?? "None") else {
                throw ValidationError("--record-wrapper \(name)=\(wrappers[name] ?? ""): expected None or RecordIO")
            }
            spec.channels[name] = TrainingChannel(config: ChannelConfig(name: name, contentType: types[name], inputMode: mode,
                                                                        recordWrapper: wrapper), path: path)
        }
        return spec
    }
}
