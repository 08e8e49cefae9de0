import Foundation
import GRDB
import WeirCore

/// Versioned model snapshots: an SQLite database (WAL mode, so stream processes read while
/// a trainer writes) for models, versions, stages and an audit log of every stage change,
/// and the snapshots themselves as files beside it (`payloads/<model>/<version>.snap`).
/// A payload file is complete on disk (written, then renamed) before the row that makes it
/// visible commits.
public final class ModelRegistry: Sendable {
    public enum Stage: String, Sendable, CaseIterable {
        case staging, production, shadow, archived
    }

    /// The registry commands and topologies use when none is named: `$WEIR_REGISTRY`, else
    /// `.weir-registry` in the working directory.
    public static var defaultDirectory: String {
        ProcessInfo.processInfo.environment["WEIR_REGISTRY"] ?? ".weir-registry"
    }

    /// One published version, as the database describes it.
    public struct Version: Sendable, Equatable {
        public var name: String
        public var version: Int
        public var algorithm: String
        public var stage: Stage
        public var featureSchemaHash: String
        public var hyperparameters: [String: String]
        public var dataFingerprint: String
        public var trainingJob: String
        public var metrics: [String: Double]
        public var createdAt: Int64
        public var publishedAt: Int64
        public var payloadBytes: Int

        /// `name:vN`, as outputs carry it.
        public var label: String { "\(name):v\(version)" }
    }

    /// One stage change.
    public struct AuditEntry: Sendable, Equatable {
        public var name: String
        public var version: Int
        public var fromStage: String
        public var toStage: String
        public var action: String
        public var reason: String
        public var actor: String
        public var at: Int64
    }

    public let directory: String
    private let pool: any DatabaseWriter

    /// What an opener may do: `create` a registry that is not there (publishing), `write`
    /// one that is (stages, guardrails), only `read` it once (listing, showing, comparing),
    /// which works on a registry the process cannot write (a read-only mount) and changes
    /// nothing in its folder, or `follow` it read-only for as long as it runs (a stream
    /// serving its versions), which must see versions published later and so cannot take
    /// the read-only mount's immutable view.
    public enum Access: Sendable {
        case create, write, read, follow
    }

    /// Opens the registry in `directory`; only `.create` makes a new one, so a mistyped
    /// path is an error instead of a new empty registry.
    public init(directory: String, access: Access = .create) throws {
        self.directory = directory
        let databasePath = directory + "/registry.sqlite"
        guard access == .create || FileManager.default.fileExists(atPath: databasePath) else {
            throw SnapshotError(input: directory, "no model registry here (registry.sqlite is missing); `weir models publish` or `weir train --publish` creates one")
        }
        if access == .read || access == .follow {
            pool = try Self.openForReading(databasePath, once: access == .read)
            return
        }
        try FileManager.default.createDirectory(atPath: directory + "/payloads", withIntermediateDirectories: true)
        var configuration = Configuration()
        // Writers from other processes wait instead of failing at once.
        configuration.busyMode = .timeout(30)
        // Opening switches a new database to WAL, which SQLite refuses (without waiting)
        // while another process opens it too: processes open one at a time.
        let lock = open(directory + "/registry.lock", O_CREAT | O_RDWR, 0o644)
        guard lock >= 0 else { throw SnapshotError(input: directory, "cannot open registry.lock: errno \(errno)") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SnapshotError(input: directory, "cannot lock registry.lock: errno \(errno)") }
        }
        defer { flock(lock, LOCK_UN) }
        pool = try DatabasePool(path: directory + "/registry.sqlite", configuration: configuration)
        // Check and create under one immediate (write-locked) transaction: two processes
        // opening a new registry at once must not both create the tables.
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard try !db.tableExists("models") else { return .commit }
                try db.execute(sql: """
                CREATE TABLE models (name TEXT PRIMARY KEY, algorithm TEXT NOT NULL, created_at INTEGER NOT NULL,
                                     generation INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE versions (name TEXT NOT NULL REFERENCES models(name), version INTEGER NOT NULL,
                                       algorithm TEXT NOT NULL, stage TEXT NOT NULL, schema_hash TEXT NOT NULL,
                                       hyperparameters TEXT NOT NULL, data_fingerprint TEXT NOT NULL,
                                       training_job TEXT NOT NULL, metrics TEXT NOT NULL, created_at INTEGER NOT NULL,
                                       published_at INTEGER NOT NULL, payload_bytes INTEGER NOT NULL,
                                       PRIMARY KEY (name, version));
                CREATE INDEX versions_stage ON versions(name, stage);
                CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version INTEGER NOT NULL,
                                    from_stage TEXT NOT NULL, to_stage TEXT NOT NULL, action TEXT NOT NULL,
                                    reason TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL);
                """)
                return .commit
            }
        }
    }

    /// A read-only connection. SQLite reads a WAL database through its shared-memory file,
    /// made beside it on first use; where that cannot be made (a read-only folder) a
    /// one-time reader (`once`) opens the file as immutable, a snapshot of it as it is.
    private static func openForReading(_ path: String, once: Bool) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { db in try db.tableExists("models") }
            return queue
        } catch {
            guard once else {
                throw SnapshotError(input: path, "cannot follow the registry read-only (\(error)); SQLite needs to make registry.sqlite-shm beside it, so the folder must be writable")
            }
            do {
                let escaped = path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
                    .replacingOccurrences(of: "#", with: "%23")
                let queue = try DatabaseQueue(path: "file:\(escaped)?immutable=1", configuration: configuration)
                _ = try queue.read { db in try db.tableExists("models") }
                return queue
            } catch {
                throw SnapshotError(input: path, "cannot read the registry: \(error)")
            }
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func payloadPath(_ name: String, _ version: Int) -> String { "\(directory)/payloads/\(name)/\(version).snap" }

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } && name.first != "."
    }

    /// Publishes a snapshot as the next version of its model. `validate` runs on the
    /// decoded envelope first (the algorithm's own checks); nothing is written if it throws.
    @discardableResult
    public func publish(_ envelope: SnapshotEnvelope, stage: Stage = .staging, actor: String = "weir",
                        validate: (SnapshotEnvelope) throws -> Void = { _ in }) throws -> Version {
        guard Self.validName(envelope.modelName) else {
            throw SnapshotError(input: envelope.modelName, "a model name is letters, digits, '-', '_' or '.', at most 128 characters")
        }
        try validate(try SnapshotEnvelope(encoded: envelope.encoded(), name: envelope.modelName))
        return try pool.write { db -> Version in
            let now = Self.now()
            if let existing = try String.fetchOne(db, sql: "SELECT algorithm FROM models WHERE name = ?", arguments: [envelope.modelName]) {
                guard existing == envelope.algorithm else {
                    throw SnapshotError(input: envelope.modelName, "the model is a \(existing) model; this snapshot is \(envelope.algorithm)")
                }
            } else {
                try db.execute(sql: "INSERT INTO models (name, algorithm, created_at) VALUES (?, ?, ?)",
                               arguments: [envelope.modelName, envelope.algorithm, now])
            }
            let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM versions WHERE name = ?", arguments: [envelope.modelName]) ?? 0) + 1
            var stamped = envelope
            stamped.modelVersion = version
            let bytes = stamped.encoded()
            let path = payloadPath(envelope.modelName, version)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let temporary = path + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)), rename(temporary, path) == 0 else {
                throw SnapshotError(input: path, "cannot write the snapshot file")
            }
            if stage == .production { try demoteProduction(db, name: envelope.modelName, actor: actor, reason: "replaced by v\(version)") }
            try db.execute(sql: """
                INSERT INTO versions (name, version, algorithm, stage, schema_hash, hyperparameters, data_fingerprint,
                                      training_job, metrics, created_at, published_at, payload_bytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [envelope.modelName, version, envelope.algorithm, stage.rawValue, envelope.featureSchemaHash,
                                 Self.json(envelope.hyperparameters.mapValues { JSONValue.string($0) }), envelope.dataFingerprint,
                                 envelope.trainingJob, Self.json(envelope.metrics.mapValues { JSONValue.number($0) }),
                                 envelope.createdAt, now, bytes.count])
            try audit(db, name: envelope.modelName, version: version, from: "", to: stage.rawValue, action: "publish", reason: "", actor: actor)
            return try self.version(db, envelope.modelName, version)!
        }
    }

    /// Moves a version to `stage`. Promoting to production archives the current production
    /// version; every change is in the audit log and bumps the model's generation, which
    /// watchers follow.
    public func promote(_ name: String, version: Int, to stage: Stage, actor: String = "weir", reason: String = "",
                        action: String = "promote") throws {
        try pool.write { db in try promote(db, name, version: version, to: stage, actor: actor, reason: reason, action: action) }
    }

    private func promote(_ db: Database, _ name: String, version: Int, to stage: Stage, actor: String, reason: String, action: String) throws {
        guard let current = try self.version(db, name, version) else { throw SnapshotError(input: "\(name):v\(version)", "no such model version") }
        guard current.stage != stage else { return }
        if stage == .production { try demoteProduction(db, name: name, actor: actor, reason: "replaced by v\(version)") }
        try db.execute(sql: "UPDATE versions SET stage = ? WHERE name = ? AND version = ?", arguments: [stage.rawValue, name, version])
        try audit(db, name: name, version: version, from: current.stage.rawValue, to: stage.rawValue, action: action, reason: reason, actor: actor)
    }

    /// Restores the version that was in production before the current one, in one
    /// transaction. With `ifServing`, only while that version is still in production: of
    /// several processes whose guardrails fire on the same version, one rolls back.
    /// Returns the restored version, or nil when `ifServing` no longer held.
    @discardableResult
    public func rollback(_ name: String, actor: String = "weir", reason: String = "rollback", ifServing expected: Int? = nil) throws -> Version? {
        try pool.write { db -> Version? in
            let current = try Int.fetchOne(db, sql: "SELECT version FROM versions WHERE name = ? AND stage = 'production'", arguments: [name])
            if let expected, current != expected { return nil }
            let target = try Int.fetchOne(db, sql: """
                SELECT version FROM audit WHERE name = ? AND from_stage = 'production' AND version IS NOT ?
                  AND version IN (SELECT version FROM versions WHERE name = ?)
                ORDER BY id DESC LIMIT 1
                """, arguments: [name, current, name])
            guard let target else { throw SnapshotError(input: name, "no earlier production version to roll back to") }
            try promote(db, name, version: target, to: .production, actor: actor, reason: reason, action: "rollback")
            return try self.version(db, name, target)
        }
    }

    /// Removes a version that is not in production, with its payload file.
    public func delete(_ name: String, version: Int, actor: String = "weir") throws {
        try pool.write { db in
            guard let current = try self.version(db, name, version) else { throw SnapshotError(input: "\(name):v\(version)", "no such model version") }
            guard current.stage != .production else {
                throw SnapshotError(input: current.label, "is in production; promote another version or roll back first")
            }
            try db.execute(sql: "DELETE FROM versions WHERE name = ? AND version = ?", arguments: [name, version])
            try audit(db, name: name, version: version, from: current.stage.rawValue, to: "deleted", action: "delete", reason: "", actor: actor)
        }
        try? FileManager.default.removeItem(atPath: payloadPath(name, version))
    }

    private func demoteProduction(_ db: Database, name: String, actor: String, reason: String) throws {
        let serving = try Int.fetchAll(db, sql: "SELECT version FROM versions WHERE name = ? AND stage = 'production'", arguments: [name])
        for version in serving {
            try db.execute(sql: "UPDATE versions SET stage = 'archived' WHERE name = ? AND version = ?", arguments: [name, version])
            try audit(db, name: name, version: version, from: "production", to: "archived", action: "demote", reason: reason, actor: actor)
        }
    }

    private func audit(_ db: Database, name: String, version: Int, from: String, to: String, action: String, reason: String, actor: String) throws {
        try db.execute(sql: """
            INSERT INTO audit (name, version, from_stage, to_stage, action, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [name, version, from, to, action, reason, actor, Self.now()])
        try db.execute(sql: "UPDATE models SET generation = generation + 1 WHERE name = ?", arguments: [name])
    }

    // MARK: Reading

    public func versions(of name: String? = nil) throws -> [Version] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM versions WHERE ? IS NULL OR name = ? ORDER BY name, version",
                                        arguments: [name, name])
            return try rows.map(Self.version(from:))
        }
    }

    public func version(_ name: String, _ version: Int) throws -> Version? {
        try pool.read { db in try self.version(db, name, version) }
    }

    private func version(_ db: Database, _ name: String, _ version: Int) throws -> Version? {
        try Row.fetchOne(db, sql: "SELECT * FROM versions WHERE name = ? AND version = ?", arguments: [name, version]).map(Self.version(from:))
    }

    /// The version in `stage` (the latest if several) and the model's generation, read in
    /// one transaction: what a watcher polls.
    public func current(_ name: String, stage: Stage = .production) throws -> (version: Version?, generation: Int) {
        try pool.read { db in
            let generation = try Int.fetchOne(db, sql: "SELECT generation FROM models WHERE name = ?", arguments: [name]) ?? 0
            let row = try Row.fetchOne(db, sql: "SELECT * FROM versions WHERE name = ? AND stage = ? ORDER BY version DESC LIMIT 1",
                                       arguments: [name, stage.rawValue])
            return (try row.map(Self.version(from:)), generation)
        }
    }

    public func auditLog(of name: String) throws -> [AuditEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE name = ? ORDER BY id", arguments: [name]).map { row in
                AuditEntry(name: row["name"], version: row["version"], fromStage: row["from_stage"], toStage: row["to_stage"],
                           action: row["action"], reason: row["reason"], actor: row["actor"], at: row["at"])
            }
        }
    }

    /// The snapshot of a version, decoded and checked against its registry row.
    public func load(_ name: String, version: Int) throws -> SnapshotEnvelope {
        guard let row = try self.version(name, version) else { throw SnapshotError(input: "\(name):v\(version)", "no such model version") }
        let path = payloadPath(name, version)
        guard let data = FileManager.default.contents(atPath: path) else { throw SnapshotError(input: path, "the snapshot file is missing") }
        let envelope = try SnapshotEnvelope(encoded: [UInt8](data), name: path)
        guard envelope.modelName == name, envelope.modelVersion == version, envelope.algorithm == row.algorithm,
              envelope.featureSchemaHash == row.featureSchemaHash else {
            throw SnapshotError(input: path, "the snapshot file does not match its registry entry \(row.label)")
        }
        return envelope
    }

    /// Lines describing how two versions differ (stage, schema, data, hyperparameters, metrics).
    public func diff(_ name: String, _ a: Int, _ b: Int) throws -> [String] {
        guard let left = try version(name, a) else { throw SnapshotError(input: "\(name):v\(a)", "no such model version") }
        guard let right = try version(name, b) else { throw SnapshotError(input: "\(name):v\(b)", "no such model version") }
        var lines: [String] = []
        func compare(_ field: String, _ x: String, _ y: String) { if x != y { lines.append("\(field): \(x) -> \(y)") } }
        compare("stage", left.stage.rawValue, right.stage.rawValue)
        compare("feature_schema", left.featureSchemaHash, right.featureSchemaHash)
        compare("data_fingerprint", left.dataFingerprint, right.dataFingerprint)
        compare("training_job", left.trainingJob, right.trainingJob)
        for key in Set(left.hyperparameters.keys).union(right.hyperparameters.keys).sorted() {
            compare("hyperparameter \(key)", left.hyperparameters[key] ?? "-", right.hyperparameters[key] ?? "-")
        }
        for key in Set(left.metrics.keys).union(right.metrics.keys).sorted() {
            compare("metric \(key)", left.metrics[key].map { "\($0)" } ?? "-", right.metrics[key].map { "\($0)" } ?? "-")
        }
        return lines
    }

    static func json(_ object: [String: JSONValue]) -> String {
        JSONWriter.string(of: .object(JSONObject(object.keys.sorted().map { ($0, object[$0]!) })))
    }

    static func version(from row: Row) throws -> Version {
        let stageText: String = row["stage"]
        guard let stage = Stage(rawValue: stageText) else { throw SnapshotError(input: row["name"], "unknown stage \(stageText)") }
        let hyperparameters = (try? JSONParser.parse(row["hyperparameters"] as String))?.objectValue
        let metrics = (try? JSONParser.parse(row["metrics"] as String))?.objectValue
        return Version(name: row["name"], version: row["version"], algorithm: row["algorithm"], stage: stage,
                       featureSchemaHash: row["schema_hash"],
                       hyperparameters: Dictionary(uniqueKeysWithValues: (hyperparameters?.fields ?? []).map { ($0.key, $0.value.stringValue ?? "") }),
                       dataFingerprint: row["data_fingerprint"], trainingJob: row["training_job"],
                       metrics: Dictionary(uniqueKeysWithValues: (metrics?.fields ?? []).compactMap { field in field.value.doubleValue.map { (field.key, $0) } }),
                       createdAt: row["created_at"], publishedAt: row["published_at"], payloadBytes: row["payload_bytes"])
    }
}
