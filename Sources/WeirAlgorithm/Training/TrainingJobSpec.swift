import Foundation
import WeirCore
import WeirFormats

/// Everything a training job needs, gathered from command-line options or from SageMaker's
/// container layout (`/opt/ml/input/config/*.json`, `/opt/ml/input/data/<channel>`,
/// `/opt/ml/model`, `/opt/ml/output/failure`).
public struct TrainingJobSpec: Sendable {
    public var hyperparameters: [String: String]
    public var channels: [String: TrainingChannel]
    public var modelDirectory: String
    /// Where to write the failure reason (SageMaker reads its first 1,024 characters).
    public var failurePath: String?
    public var currentHost: String
    public var hosts: [String]
    /// Where a resumable algorithm keeps its training checkpoint (SageMaker's
    /// `/opt/ml/checkpoints` when the job was given one); nil: no checkpoints.
    public var checkpointDirectory: String?

    public init(hyperparameters: [String: String] = [:], channels: [String: TrainingChannel] = [:], modelDirectory: String,
                failurePath: String? = nil, currentHost: String = "algo-1", hosts: [String] = ["algo-1"]) {
        self.hyperparameters = hyperparameters
        self.channels = channels
        self.modelDirectory = modelDirectory
        self.failurePath = failurePath
        self.currentHost = currentHost
        self.hosts = hosts
    }

    public var hostIndex: Int { hosts.firstIndex(of: currentHost) ?? 0 }

    /// Reads a SageMaker container layout rooted at `root` (normally /opt/ml).
    public static func sageMaker(root: String) throws(FormatError) -> TrainingJobSpec {
        let config = root + "/input/config"
        let hyperparameters = try hyperparameters(fromFile: config + "/hyperparameters.json", required: false)
        var channels: [String: TrainingChannel] = [:]
        if let input = try jsonObject(config + "/inputdataconfig.json", required: false) {
            for field in input.fields {
                guard case .object(let settings) = field.value else {
                    throw FormatError(input: config + "/inputdataconfig.json", .none, field: field.key, "expected an object")
                }
                let mode = settings["TrainingInputMode"]?.stringValue.flatMap(ChannelConfig.InputMode.init(rawValue:)) ?? .file
                let distribution = settings["S3DistributionType"]?.stringValue.flatMap(ChannelConfig.Distribution.init(rawValue:)) ?? .fullyReplicated
                let wrapperName = settings["RecordWrapperType"]?.stringValue ?? "None"
                guard let wrapper = ChannelConfig.RecordWrapper(rawValue: wrapperName) else {
                    throw FormatError(input: config + "/inputdataconfig.json", .none, field: "\(field.key).RecordWrapperType",
                                      "expected None or RecordIO, found '\(wrapperName)'")
                }
                // Gzip files are found by their magic bytes and inflated by every reader, so
                // `CompressionType` only has to name a compression SageMaker knows.
                if let compression = settings["CompressionType"]?.stringValue, !["None", "Gzip"].contains(compression) {
                    throw FormatError(input: config + "/inputdataconfig.json", .none, field: "\(field.key).CompressionType",
                                      "expected None or Gzip, found '\(compression)'")
                }
                let channelConfig = ChannelConfig(name: field.key, contentType: settings["ContentType"]?.stringValue,
                                                  inputMode: mode, distribution: distribution, recordWrapper: wrapper)
                channels[field.key] = TrainingChannel(config: channelConfig, path: root + "/input/data/" + field.key)
            }
        }
        var spec = TrainingJobSpec(hyperparameters: hyperparameters, channels: channels, modelDirectory: root + "/model",
                                   failurePath: root + "/output/failure")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/checkpoints", isDirectory: &isDirectory), isDirectory.boolValue {
            spec.checkpointDirectory = root + "/checkpoints"
        }
        if let resources = try jsonObject(config + "/resourceconfig.json", required: false) {
            spec.currentHost = resources["current_host"]?.stringValue ?? spec.currentHost
            if case .array(let hosts)? = resources["hosts"] { spec.hosts = hosts.compactMap(\.stringValue) }
        }
        return spec
    }

    /// A hyperparameters.json file as SageMaker passes it (name -> string value; numbers,
    /// booleans and lists written by hand are turned into their JSON text).
    public static func hyperparameters(fromFile path: String, required: Bool = true) throws(FormatError) -> [String: String] {
        try stringMap(try jsonObject(path, required: required) ?? JSONObject(), file: path)
    }

    public static func jsonObject(_ path: String, required: Bool) throws(FormatError) -> JSONObject? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if required { throw FormatError(input: path, .none, "missing") }
            return nil
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(data))
        } catch {
            throw FormatError(input: path, .byte(Int64(error.offset)), "invalid JSON: \(error.reason)")
        }
        guard case .object(let object) = value else { throw FormatError(input: path, .none, "expected a JSON object") }
        return object
    }

    /// SageMaker passes every hyperparameter as a string; hand-written files may not.
    static func stringMap(_ object: JSONObject, file: String) throws(FormatError) -> [String: String] {
        var result: [String: String] = [:]
        for field in object.fields {
            switch field.value {
            case .string(let text): result[field.key] = text
            case .number, .bool, .array: result[field.key] = JSONWriter.string(of: field.value)
            default: throw FormatError(input: file, .none, field: field.key, "expected a string value, found \(field.value.kindName)")
            }
        }
        return result
    }
}
