import ArgumentParser
import Foundation
import WeirFormats
import WeirAlgorithm
import WeirCatalog

/// `weir predict`: batch inference with a model folder written by `weir train`, in
/// SageMaker's request and response formats.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score a file with a trained model: weir predict --model DIR --input FILE [--content-type T] [--accept T] [--output FILE].",
        discussion: "Requests: text/csv (no label unless ;label_size=N), application/json ({\"instances\":[{\"features\":[...]}]}), "
            + "application/jsonlines, application/x-recordio-protobuf. Responses (--accept): application/json (default; "
            + "RCF answers {\"scores\":[{\"score\":...}]}), application/jsonlines, text/csv, application/x-recordio-protobuf."
    )

    @Option(help: "The model folder written by weir train.")
    var model: String

    @Option(help: "The request body (- for standard input).")
    var input: String

    @Option(help: "The request's content type (default: from the input's extension).")
    var contentType: String?

    @Option(help: "The response content type.")
    var accept = "application/json"

    @Option(help: "Where the response goes (- for standard output).")
    var output = "-"

    func run() throws {
        guard let responseType = BatchInference.ResponseType(accept: accept) else {
            throw ValidationError("unsupported --accept '\(accept)'; expected application/json, application/jsonlines, text/csv or application/x-recordio-protobuf")
        }
        let type: String
        if let contentType {
            type = contentType
        } else {
            switch DataFormat.inferred(from: input) {
            case .csv?: type = "text/csv"
            case .jsonLines? where DataFormat.uncompressedName(input).hasSuffix(".json"): type = "application/json"
            case .jsonLines?: type = "application/jsonlines"
            case .recordIO?: type = "application/x-recordio-protobuf"
            case .libsvm?: type = "text/libsvm"
            case nil: throw ValidationError("cannot tell the content type of '\(input)'; pass --content-type")
            }
        }
        do {
            let predictor = try AlgorithmCatalog.weir.predictor(modelDirectory: model)
            let count = try BatchInference.run(predictor: predictor, input: input, contentType: type, accept: responseType, output: output,
                                               verbose: BatchInference.isVerbose(accept: accept))
            FileHandle.standardError.write(Data("predicted \(count) records with \(Swift.type(of: predictor).algorithm)\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
