import Foundation
import Testing
import WeirFormats

struct ConversionTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("weir-convert-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func readAll(_ path: String, _ format: DataFormat, dimension: Int? = nil) throws -> [DataRow] {
        var options = DataRowSource.Options()
        options.dimension = dimension
        let source = try DataRowSource(path: path, format: format, options: options)
        var rows: [DataRow] = []
        while let row = try source.next() { rows.append(row) }
        return rows
    }

    /// Every format to every other and back keeps every value (as float32 through RecordIO).
    @Test func everyFormatRoundTripsThroughEveryOther() throws {
        var state: UInt64 = 42
        func random() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 40) / Double(1 << 24)
        }
        // Values exactly representable in float32 so that RecordIO keeps them.
        let rows = (0..<50).map { _ in
            DataRow(features: .dense((0..<6).map { _ in random() < 0.5 ? 0 : Double(Float(random() * 100 - 50)) }),
                    label: [Double(Int(random() * 3))])
        }
        let base = try folder()
        let csv = base.appendingPathComponent("rows.csv").path
        let writer = try DataRowSink(path: csv, format: .csv)
        for row in rows { try writer.append(row) }
        try writer.close()
        for format in DataFormat.allCases where format != .csv {
            for representation in DataConverter.Representation.allCases {
                let middle = base.appendingPathComponent("rows-\(representation.rawValue).\(format.rawValue)").path
                let back = base.appendingPathComponent("back-\(format.rawValue)-\(representation.rawValue).csv").path
                #expect(try DataConverter.convert(from: csv, format: .csv, readOptions: .init(), to: middle, format: format,
                                                  writeOptions: .init(), representation: representation) == rows.count)
                var readOptions = DataRowSource.Options()
                readOptions.dimension = format == .libsvm ? 6 : nil
                _ = try DataConverter.convert(from: middle, format: format, readOptions: readOptions, to: back, format: .csv,
                                              writeOptions: .init())
                let again = try readAll(back, .csv)
                #expect(again == rows, "csv -> \(format) (\(representation)) -> csv")
                if representation == .sparse, format != .libsvm {
                    let sparse = try readAll(middle, format)
                    #expect(sparse.allSatisfy { if case .sparse = $0.features { return true } else { return false } })
                }
            }
        }
    }

    @Test func libsvmWithoutADimensionIsScannedForIt() throws {
        let base = try folder()
        let input = base.appendingPathComponent("in.svm").path
        try "1 2:1\n0 7:3\n".write(toFile: input, atomically: true, encoding: .utf8)
        let output = base.appendingPathComponent("out.rec").path
        _ = try DataConverter.convert(from: input, format: .libsvm, readOptions: .init(), to: output, format: .recordIO, writeOptions: .init())
        let rows = try readAll(output, .recordIO)
        #expect(rows.map(\.features.dimension) == [7, 7], "every row carries the file's column count")
    }

    @Test func formatsAreInferredFromNamesAndContentTypes() {
        #expect(DataFormat.inferred(from: "/data/train.CSV") == .csv)
        #expect(DataFormat.inferred(from: "s3/part-0001.rec") == .recordIO)
        #expect(DataFormat.inferred(from: "train.libsvm") == .libsvm)
        #expect(DataFormat.inferred(from: "x.jsonl") == .jsonLines)
        #expect(DataFormat.inferred(from: "noext") == nil)
        #expect(DataFormat.fromContentType("application/x-recordio-protobuf") == .recordIO)
        #expect(DataFormat.fromContentType("text/csv; label_size=0") == .csv)
        #expect(CSVDataReader.Options.fromContentType("text/csv; label_size=0")?.labelSize == 0)
        #expect(CSVDataReader.Options.fromContentType("text/csv;label_size=x") == nil)
    }
}
