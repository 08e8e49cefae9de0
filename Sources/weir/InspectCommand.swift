import ArgumentParser
import Foundation
import WeirCore
import WeirFormats

/// `weir inspect FILE`: prints each record of a data file as a JSON line with where it is
/// in the file, which SageMaker users otherwise do in a notebook with the SDK.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the records of a CSV, libsvm, RecordIO-protobuf or JSON-lines file as JSON lines with their offsets."
    )

    @Argument(help: "The data file (- for standard input, with --from).")
    var file: String

    @OptionGroup var input: DataReadOptions

    @Option(help: "Stop after this many records.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more, found \(limit)") }
    }

    func run() throws {
        let format = try input.resolvedFormat(for: file)
        do {
            let source = try DataRowSource(path: file, format: format, options: input.sourceOptions)
            var count = 0
            while count < (limit ?? .max), let row = try source.next() {
                var object = JSONObject()
                switch source.position {
                case .byte(let offset): object.set("offset", .number(Double(offset)))
                case .line(let line): object.set("line", .number(Double(line)))
                case .record(let index): object.set("record", .number(Double(index)))
                case .none: break
                }
                for field in JSONLinesDataWriter.object(row).fields { object.set(field.key, field.value) }
                print(JSONWriter.string(of: .object(object)))
                if count == 0, let header = source.header, let note = CSVLabelConvention.note(header: header, labelSize: input.labelSize) {
                    FileHandle.standardError.write(Data("note: \(file): \(note)\n".utf8))
                }
                count += 1
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
