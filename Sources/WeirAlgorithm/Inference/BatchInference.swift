import Foundation
import WeirCore
import WeirFormats

/// `weir predict`: reads a request body in any of SageMaker's content types and writes the
/// response in the accepted type, record by record for the line formats.
public enum BatchInference {
    public enum ResponseType: String, Sendable {
        case json = "application/json"
        case jsonLines = "application/jsonlines"
        case csv = "text/csv"
        case recordIO = "application/x-recordio-protobuf"

        public init?(accept: String) {
            let type = accept.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
            switch type {
            case "application/json", "json": self = .json
            case "application/jsonlines", "application/json-lines", "jsonlines": self = .jsonLines
            case "text/csv", "csv": self = .csv
            case "application/x-recordio-protobuf", "recordio": self = .recordIO
            default: return nil
            }
        }
    }

    /// Whether an `Accept` header asks for verbose responses (`verbose=True`).
    public static func isVerbose(accept: String) -> Bool {
        accept.split(separator: ";").dropFirst().contains { parameter in
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces().lowercased() }
            return pair.count == 2 && pair[0] == "verbose" && ["true", "1", "yes"].contains(pair[1])
        }
    }

    static let jsonLinesTypes: Set<String> = ["application/jsonlines", "application/json-lines", "application/x-jsonlines"]

    /// The media type of a content type, without parameters, lowercased.
    static func mediaType(_ contentType: String) -> String {
        contentType.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
    }

    /// The JSON instances of a request with their positions: a JSON document's `instances`
    /// (or a bare array; the document comes back too, for settings beside the instances),
    /// or one instance per non-blank line of JSON lines.
    static func jsonInstances(_ input: String, mediaType: String) throws -> (instances: [(JSONValue, FormatError.Position)], document: JSONObject?) {
        let data = try ByteInput(path: input).readAll()
        if jsonLinesTypes.contains(mediaType) {
            var instances: [(JSONValue, FormatError.Position)] = []
            for (index, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
            where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
                do { instances.append((try JSONParser.parse(Array(line)), .line(Int64(index + 1)))) } catch {
                    throw FormatError(input: input, .line(Int64(index + 1)), "invalid JSON: \(error.reason)")
                }
            }
            return (instances, nil)
        }
        let document: JSONValue
        do { document = try JSONParser.parse(Array(data)) } catch {
            throw FormatError(input: input, .byte(Int64(error.offset)), "invalid JSON: \(error.reason)")
        }
        let numbered: ([JSONValue]) -> [(JSONValue, FormatError.Position)] = { items in
            items.enumerated().map { ($0.element, .record(Int64($0.offset + 1))) }
        }
        switch document {
        case .object(let object):
            guard case .array(let items)? = object["instances"] else {
                throw FormatError(input: input, .none, field: "instances", "expected {\"instances\": [...]}")
            }
            return (numbered(items), object)
        case .array(let items): return (numbered(items), nil)
        default: throw FormatError(input: input, .none, "expected {\"instances\": [...]}, found \(document.kindName)")
        }
    }

    /// Predicts every record of `input` (in `contentType`) and writes the response to `output`.
    /// Returns the number of records.
    public static func run(predictor: any BatchPredictor, input: String, contentType: String, accept: ResponseType,
                           output: String, verbose: Bool = false) throws -> Int {
        switch type(of: predictor).input {
        case .numeric: return try runNumeric(predictor: predictor, input: input, contentType: contentType, accept: accept, output: output, verbose: verbose)
        case .instances: return try runInstances(predictor: predictor, input: input, contentType: contentType, accept: accept, output: output)
        case .text: break
        }
        var responses: [JSONObject] = []
        let sink = try ResponseSink(path: output, type: accept, arrayKey: type(of: predictor).responseArrayKey)
        var count = 0
        func handle(_ fields: [String]) throws {
            let response = try predictor.predict(text: fields, verbose: verbose)
            if accept == .json { responses.append(response) } else { try sink.write(response) }
            count += 1
        }
        switch mediaType(contentType) {
        case "text/csv", "csv":
            let reader = try CSVTextReader(path: input == "-" ? "/dev/stdin" : input)
            while try reader.next({ fields in
                do {
                    try handle(fields.map { String(decoding: $0, as: UTF8.self) })
                } catch let error as FormatError where error.input == "request" {
                    throw FormatError(input: input, .line(reader.line), field: error.field, error.message)
                }
            }) {}
        case let type where type == "application/json" || jsonLinesTypes.contains(type):
            let instances = try jsonInstances(input, mediaType: type).instances
            for (instance, location) in instances {
                guard let fields = textFields(instance) else {
                    throw FormatError(input: input, location, field: "features",
                                      "expected {\"features\": [entity, ip]} or {\"data\": {\"features\": {\"values\": [entity, ip]}}}")
                }
                do { try handle(fields) } catch let error as FormatError where error.input == "request" {
                    throw FormatError(input: input, location, field: error.field, error.message)
                }
            }
        default:
            throw FormatError(input: input, .none, "\(type(of: predictor).algorithm) takes text/csv, application/json or application/jsonlines, not '\(contentType)'")
        }
        if accept == .json { try sink.writeDocument(responses) }
        try sink.close()
        return count
    }

    /// DeepAR-style requests: `{"instances": [...], "configuration": {...}}` as JSON, or one
    /// instance per line as JSON lines with the configuration from the environment's
    /// `DEEPAR_INFERENCE_CONFIG` (as SageMaker batch transform passes it).
    static func runInstances(predictor: any BatchPredictor, input: String, contentType: String, accept: ResponseType,
                             output: String) throws -> Int {
        guard accept == .json || accept == .jsonLines else {
            throw FormatError(input: input, .none, "\(type(of: predictor).algorithm) answers application/json or application/jsonlines")
        }
        let mediaType = mediaType(contentType)
        guard mediaType == "application/json" || jsonLinesTypes.contains(mediaType) else {
            throw FormatError(input: input, .none, "\(type(of: predictor).algorithm) takes application/json or application/jsonlines, not '\(contentType)'")
        }
        let (instances, document) = try jsonInstances(input, mediaType: mediaType)
        var configuration: JSONObject? = nil
        if let value = document?["configuration"] {
            guard case .object(let settings) = value else { throw FormatError(input: input, .none, field: "configuration", "expected an object") }
            configuration = settings
        } else if jsonLinesTypes.contains(mediaType), let text = ProcessInfo.processInfo.environment["DEEPAR_INFERENCE_CONFIG"] {
            guard case .object(let settings)? = try? JSONParser.parse(Array(text.utf8)) else {
                throw FormatError(input: "DEEPAR_INFERENCE_CONFIG", .none, "expected a JSON object")
            }
            configuration = settings
        }
        let sink = try ResponseSink(path: output, type: accept, arrayKey: type(of: predictor).responseArrayKey)
        var responses: [JSONObject] = []
        for (instance, position) in instances {
            guard case .object(let object) = instance else {
                throw FormatError(input: input, position, "expected a JSON object, found \(instance.kindName)")
            }
            let response: JSONObject
            do { response = try predictor.predict(instance: object, configuration: configuration) } catch let error as FormatError where error.input == "request" {
                throw FormatError(input: input, position, field: error.field, error.message)
            }
            if accept == .json { responses.append(response) } else { try sink.write(response) }
        }
        if accept == .json { try sink.writeDocument(responses) }
        try sink.close()
        return instances.count
    }

    /// The string fields of a JSON instance: `{"features": [...]}` or `{"data": {"features": {"values": [...]}}}`.
    static func textFields(_ instance: JSONValue) -> [String]? {
        guard case .object(let object) = instance else { return nil }
        var features = object["features"]
        if features == nil, case .object(let data)? = object["data"] { features = data["features"] }
        if case .object(let tensor)? = features { features = tensor["values"] }
        guard case .array(let items)? = features else { return nil }
        var fields: [String] = []
        for item in items {
            guard case .string(let text) = item else { return nil }
            fields.append(text)
        }
        return fields
    }

    static func runNumeric(predictor: any BatchPredictor, input: String, contentType: String, accept: ResponseType,
                           output: String, verbose: Bool) throws -> Int {
        var responses: [JSONObject] = []
        let sink = try ResponseSink(path: output, type: accept, arrayKey: type(of: predictor).responseArrayKey)
        let batchSize = max(1, type(of: predictor).preferredBatchSize)
        var pending: [DataRow] = []
        var positions: [FormatError.Position] = []
        // A predictor names the field; the error also names the record it came from.
        func flush() throws {
            guard !pending.isEmpty else { return }
            let answers: [JSONObject]
            do { answers = try predictor.predict(batch: pending, verbose: verbose) } catch let failure as BatchRecordError {
                let error = failure.error
                throw FormatError(input: input, positions[max(0, min(failure.index, positions.count - 1))], field: error.field, error.message)
            }
            for response in answers {
                if accept == .json { responses.append(response) } else { try sink.write(response) }
            }
            pending.removeAll(keepingCapacity: true)
            positions.removeAll(keepingCapacity: true)
        }
        let handle: (DataRow, FormatError.Position) throws -> Void = { row, position in
            pending.append(row)
            positions.append(position)
            if pending.count >= batchSize { try flush() }
        }
        let mediaType = mediaType(contentType)
        var count = 0
        if mediaType == "application/json" {
            let instances = try jsonInstances(input, mediaType: mediaType).instances.map(\.0)
            let decoder = JSONRowDecoder()
            for (index, instance) in instances.enumerated() {
                try handle(try decoder.row(instance) { field, message in
                    FormatError(input: input, .record(Int64(index + 1)), field: field.map { "instances[\(index)].\($0)" }, message)
                }, .record(Int64(index + 1)))
                count += 1
            }
        } else {
            guard let format = DataFormat.fromContentType(contentType) else {
                throw FormatError(input: input, .none, "unsupported content type '\(contentType)'")
            }
            var options = DataRowSource.Options()
            // Inference CSV carries no label unless the content type says so.
            options.csv = CSVDataReader.Options.fromContentType(contentType).map { parsed in
                contentType.contains("label_size") ? parsed : CSVDataReader.Options(labelSize: 0, hasHeader: parsed.hasHeader)
            } ?? CSVDataReader.Options(labelSize: 0)
            options.libsvmZeroBased = type(of: predictor).libsvmZeroBased
            let source = try DataRowSource(path: input, format: format, options: options)
            while let row = try source.next() {
                try handle(row, source.position)
                count += 1
            }
        }
        try flush()
        if accept == .json { try sink.writeDocument(responses) }
        try sink.close()
        return count
    }
}

/// Writes responses in one of SageMaker's response types.
final class ResponseSink {
    let path: String
    let type: BatchInference.ResponseType
    let arrayKey: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String, type: BatchInference.ResponseType, arrayKey: String) throws {
        self.path = path
        self.type = type
        self.arrayKey = arrayKey
        if path == "-" {
            handle = FileHandle.standardOutput
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil), let opened = FileHandle(forWritingAtPath: path) else {
                throw FormatError(input: path, .none, "cannot open for writing")
            }
            handle = opened
        }
    }

    func write(_ response: JSONObject) throws {
        switch type {
        case .json: break
        case .jsonLines:
            buffer += JSONWriter.bytes(of: .object(response)) + [0x0A]
        case .csv:
            let values = response.fields.map { field -> String in
                if case .number(let number) = field.value { return NumberText.format(number) }
                return JSONWriter.string(of: field.value)
            }
            buffer += Array((values.joined(separator: ",") + "\n").utf8)
        case .recordIO:
            // Outputs go in the record's label, under their response keys, as float32.
            var numbers: [String: [Double]] = [:]
            for field in response.fields {
                switch field.value {
                case .number(let number): numbers[field.key] = [number]
                case .array(let items): numbers[field.key] = items.compactMap(\.doubleValue)
                default: continue
                }
            }
            buffer += RecordIOWriter.frame(RecordProtobuf.encodeOutputs(numbers))
        }
        if buffer.count >= 1 << 20 { try flush() }
    }

    func writeDocument(_ responses: [JSONObject]) throws {
        let document = JSONObject([(arrayKey, .array(responses.map(JSONValue.object)))])
        buffer += JSONWriter.bytes(of: .object(document)) + [0x0A]
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if path != "-" { try handle.close() }
    }
}
