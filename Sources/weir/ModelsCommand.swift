import ArgumentParser
import Foundation
import WeirCore
import WeirAlgorithm
import WeirCatalog
import WeirRegistry

/// `weir models ...`: the model registry from the command line.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, publish, promote, roll back, compare and delete model versions in the registry.",
        subcommands: [List.self, Show.self, Publish.self, Promote.self, Rollback.self, Diff.self, Delete.self]
    )

    /// Where the registry lives: --registry, else WEIR_REGISTRY, else ./.weir-registry.
    struct RegistryOptions: ParsableArguments {
        @Option(help: "The registry folder (default: $WEIR_REGISTRY or .weir-registry).")
        var registry: String = ModelRegistry.defaultDirectory

        /// Only publishing creates a registry; every other command needs one to exist, and
        /// the reading ones (list, show, diff) open it read-only.
        func open(_ access: ModelRegistry.Access) throws -> ModelRegistry { try ModelRegistry(directory: registry, access: access) }
    }

    static func fail(_ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(2)
    }

    static func describe(_ version: ModelRegistry.Version) -> JSONValue {
        .object(JSONObject([
            ("name", .string(version.name)), ("version", .number(Double(version.version))), ("stage", .string(version.stage.rawValue)),
            ("algorithm", .string(version.algorithm)), ("feature_schema", .string(version.featureSchemaHash)),
            ("hyperparameters", .object(JSONObject(version.hyperparameters.keys.sorted().map { ($0, JSONValue.string(version.hyperparameters[$0]!)) }))),
            ("metrics", .object(JSONObject(version.metrics.keys.sorted().map { ($0, JSONValue.number(version.metrics[$0]!)) }))),
            ("data_fingerprint", version.dataFingerprint.isEmpty ? .null : .string(version.dataFingerprint)), ("training_job", .string(version.trainingJob)),
            ("created_at", .number(Double(version.createdAt))), ("published_at", .number(Double(version.publishedAt))),
            ("payload_bytes", .number(Double(version.payloadBytes))),
        ]))
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per version under a header row: name, version, stage, algorithm, publication time (--json: one JSON document).")
        @OptionGroup var options: RegistryOptions
        @Argument(help: "Only this model.") var name: String?
        @Flag(help: "One JSON document: {\"versions\": [...]}, each version as `show` describes it.") var json = false

        func run() throws {
            do {
                let versions = try options.open(.read).versions(of: name)
                if json {
                    print(JSONWriter.string(of: .object(JSONObject([("versions", .array(versions.map(ModelsCommand.describe)))]))))
                    return
                }
                print("NAME\tVERSION\tSTAGE\tALGORITHM\tPUBLISHED")
                for version in versions {
                    print("\(version.name)\tv\(version.version)\t\(version.stage.rawValue)\t\(version.algorithm)\t\(ModelsCommand.time(version.publishedAt))")
                }
            } catch { throw ModelsCommand.fail(error) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A version (or every version) of a model, one JSON object per line, then its audit log as a table (--json: one JSON document).")
        @OptionGroup var options: RegistryOptions
        @Argument var name: String
        @Argument(help: "A version: 3, v3 or NAME:v3.") var version: ModelVersionArgument?
        @Flag(help: "One JSON document: {\"versions\": [...], \"audit\": [...]}.") var json = false

        func run() throws {
            do {
                let registry = try options.open(.read)
                let versions = try registry.versions(of: name).filter { version == nil || $0.version == version?.number }
                guard !versions.isEmpty else { throw SnapshotError(input: name, "no such model or version") }
                let audit = try registry.auditLog(of: name)
                if json {
                    let entries: [JSONValue] = audit.map { entry in
                        .object(JSONObject([
                            ("at", .string(ModelsCommand.time(entry.at))), ("version", .number(Double(entry.version))), ("action", .string(entry.action)),
                            ("from_stage", .string(entry.fromStage)), ("to_stage", .string(entry.toStage)), ("actor", .string(entry.actor)),
                            ("reason", .string(entry.reason)),
                        ]))
                    }
                    print(JSONWriter.string(of: .object(JSONObject([("versions", .array(versions.map(ModelsCommand.describe))),
                                                                     ("audit", .array(entries))]))))
                    return
                }
                for entry in versions { print(JSONWriter.string(of: ModelsCommand.describe(entry))) }
                print("\nAT\tVERSION\tACTION\tSTAGES\tACTOR\tREASON")
                for entry in audit {
                    print("\(ModelsCommand.time(entry.at))\tv\(entry.version)\t\(entry.action)\t\(entry.fromStage.isEmpty ? "-" : entry.fromStage) -> \(entry.toStage)\t\(entry.actor)\t\(entry.reason)")
                }
            } catch { throw ModelsCommand.fail(error) }
        }
    }

    /// A registry time (milliseconds since 1970) as ISO 8601.
    static func time(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).ISO8601Format()
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a model file (e.g. a forest.rcf from weir train) as the next version of NAME.")
        @OptionGroup var options: RegistryOptions
        @Argument var name: String
        @Option(help: "The model file.") var file: String
        @Option(help: "Its algorithm (SageMaker name).") var algorithm = "randomcutforest"
        @Option(help: "Its input features, in order, comma-separated (else positional).") var features: String?
        @Option(help: "Stage: staging, production or shadow.") var stage = "staging"
        @Option(help: "Recorded as the training job.") var trainingJob = ""
        @Option(name: .customLong("data"), help: "A file the model was trained on, fingerprinted into the version's lineage. Repeatable; without it no fingerprint is recorded.")
        var dataFiles: [String] = []

        func run() throws {
            do {
                guard let target = ModelRegistry.Stage(rawValue: stage) else { throw SnapshotError(input: stage, "expected staging, production or shadow") }
                guard let data = FileManager.default.contents(atPath: file) else { throw SnapshotError(input: file, "cannot read the model file") }
                let payload = [UInt8](data)
                let names = features?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                let envelope = try ModelsCommand.envelope(name: name, algorithm: algorithm, payload: payload, features: names,
                                                          dataFiles: dataFiles, trainingJob: trainingJob)
                let version = try options.open(.create).publish(envelope, stage: target, actor: "weir models publish") {
                    try SnapshotValidator(catalog: .weir).validate($0, features: names)
                }
                print("published \(version.label) (\(version.stage.rawValue))")
            } catch { throw ModelsCommand.fail(error) }
        }
    }

    /// An envelope around a model file: positional feature names when none are given.
    static func envelope(name: String, algorithm: String, payload: [UInt8], features: [String]?, dataFiles: [String],
                         trainingJob: String, hyperparameters: [String: String] = [:], metrics: [String: Double] = [:]) throws
        -> SnapshotEnvelope {
        let entry = try AlgorithmCatalog.weir.entry(named: algorithm)
        var inputs = features?.count ?? 0
        if features == nil {
            // Positional names, as many as the model's inputs (none for models without a feature vector).
            inputs = try entry.decode(snapshot: payload, name: name).inputCount ?? 0
        }
        return SnapshotEnvelope(algorithm: entry.name, modelName: name,
                                featureSchemaHash: SnapshotEnvelope.schemaHash(of: features ?? SnapshotValidator.positionalFeatures(inputs)),
                                hyperparameters: hyperparameters, dataFingerprint: try SnapshotEnvelope.fingerprint(files: dataFiles),
                                trainingJob: trainingJob, metrics: metrics, payload: payload)
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a version to a stage (production archives the serving version).")
        @OptionGroup var options: RegistryOptions
        @Argument var name: String
        @Argument(help: "A version: 3, v3 or NAME:v3.") var version: ModelVersionArgument
        @Option(help: "staging, production, shadow or archived.") var stage = "production"
        @Option(help: "Why, for the audit log.") var reason = ""

        func run() throws {
            do {
                guard let target = ModelRegistry.Stage(rawValue: stage) else { throw SnapshotError(input: stage, "expected staging, production, shadow or archived") }
                try options.open(.write).promote(name, version: version.number, to: target, actor: "weir models promote", reason: reason)
                print("\(name):v\(version.number) -> \(target.rawValue)")
            } catch { throw ModelsCommand.fail(error) }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put the previous production version back in production.")
        @OptionGroup var options: RegistryOptions
        @Argument var name: String
        @Option(help: "Why, for the audit log.") var reason = "rollback"

        func run() throws {
            do {
                if let version = try options.open(.write).rollback(name, actor: "weir models rollback", reason: reason) {
                    print("rolled back to \(version.label)")
                }
            } catch { throw ModelsCommand.fail(error) }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How two versions differ: stage, schema, data, hyperparameters, metrics.")
        @OptionGroup var options: RegistryOptions
        @Argument var name: String
        @Argument(help: "A version: 3, v3 or NAME:v3.") var first: ModelVersionArgument
        @Argument(help: "Another version.") var second: ModelVersionArgument

        func run() throws {
            do {
                let lines = try options.open(.read).diff(name, first.number, second.number)
                print(lines.isEmpty ? "no differences" : lines.joined(separator: "\n"))
            } catch { throw ModelsCommand.fail(error) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a version that is not in production.")
        @OptionGroup var options: RegistryOptions
        @Argument var name: String
        @Argument(help: "A version: 3, v3 or NAME:v3.") var version: ModelVersionArgument

        func run() throws {
            do {
                try options.open(.write).delete(name, version: version.number, actor: "weir models delete")
                print("deleted \(name):v\(version.number)")
            } catch { throw ModelsCommand.fail(error) }
        }
    }
}

/// A model version on the command line as Weir prints it or as a number: `3`, `v3`, or
/// `NAME:v3` (the part after the last colon).
struct ModelVersionArgument: ExpressibleByArgument, Equatable {
    let number: Int

    init?(argument: String) {
        var text = Substring(argument.split(separator: ":").last ?? "")
        if text.first == "v" || text.first == "V" { text = text.dropFirst() }
        guard let number = Int(text), (1...Int(Int32.max)).contains(number) else { return nil }
        self.number = number
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
