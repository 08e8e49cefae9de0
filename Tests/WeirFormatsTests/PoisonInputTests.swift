import Foundation
import Testing
import WeirFormats

/// The crafted inputs that trapped or aborted the batch tools: each is now an error that
/// names the file, the position and the field.
struct PoisonInputTests {
    static func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-poison-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func firstError(_ path: String, _ format: DataFormat) -> FormatError? {
        do {
            let source = try DataRowSource(path: path, format: format)
            while try source.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        (#"{"features":{"values":[4],"keys":[null],"shape":[3]}}"#, "field features.keys[0]"),
        (#"{"features":{"values":[4],"keys":[1e300]}}"#, "field features.keys[0]"),
        (#"{"features":{"values":[4],"keys":[-1]}}"#, "field features.keys[0]"),
        (#"{"features":{"values":[4],"keys":[0.5]}}"#, "field features.keys[0]"),
        (#"{"features":{"values":[4],"keys":[0],"shape":[9e18]}}"#, "field features.shape"),
        (#"{"features":{"values":[],"shape":[1e300]}}"#, "field features.shape"),
        (#"{"features":{"values":[4],"keys":[5],"shape":[3]}}"#, "field features.keys[0]"),
    ])
    func jsonTensorKeysAndShapesAreChecked(line: String, field: String) throws {
        let path = try Self.write(Array(line.utf8), "keys-\(abs(line.hashValue)).jsonl")
        let error = try #require(Self.firstError(path, .jsonLines))
        #expect(error.description.hasPrefix("\(path): line 1: \(field)"), "\(error)")
    }

    @Test func libsvmIndicesBeyondTheLargestDimensionAreAnErrorNotAnAllocation() throws {
        let path = try Self.write(Array("1 9000000000000000000:1\n".utf8), "huge.libsvm")
        let error = try #require(Self.firstError(path, .libsvm))
        #expect(error.description == "\(path): line 1: field index 9000000000000000000: beyond the largest feature dimension Weir reads (\(FeatureShape.maximumDimension))")
    }

    @Test(arguments: [
        ([UInt64.max], [1], [1.0], "field features.shape: expected a dimension from 1 to"), // a sparse dimension of 2^64 - 1
        ([3], [UInt64.max], [1.0], "field features.keys[0]: key 18446744073709551615 is not an integer"), // a key of 2^64 - 1
        ([1 << 32, 1 << 32], [], [1.0], "field features.shape: shape [4294967296, 4294967296] declares more values than can exist"),
        ([UInt64.max], [], [], "field features.shape: expected a dimension from 1 to"), // an all-zero row of 2^64 - 1 columns
    ] as [([UInt64], [UInt64], [Double], String)])
    func recordIOKeysAndShapesNear2To64AreErrors(shape: [UInt64], keys: [UInt64], values: [Double], expected: String) throws {
        var tensor = Aialgs_Data_Float64Tensor()
        tensor.shape = shape
        tensor.keys = keys
        tensor.values = values
        var value = Aialgs_Data_Value()
        value.float64Tensor = tensor
        var record = Aialgs_Data_Record()
        record.features["values"] = value
        let payload: [UInt8] = try record.serializedBytes()
        do {
            _ = try RecordProtobuf.decode(payload, input: "huge.rec", offset: 12)
            Issue.record("shape \(shape) keys \(keys) must be refused")
        } catch {
            #expect(error.description.hasPrefix("huge.rec: byte 12: \(expected)"), "\(error)")
        }
    }

    @Test func int32OutputRefusesNaNAndOutOfRangeValuesNamingTheRow() throws {
        let input = try Self.write(Array("1,2,3\n0,,4\n".utf8), "gaps.csv")
        let output = input + ".rec"
        var options = DataRowSink.Options()
        options.featureType = .int32
        #expect(throws: FormatError.self) {
            _ = try DataConverter.convert(from: input, format: .csv, readOptions: DataRowSource.Options(), to: output, format: .recordIO, writeOptions: options)
        }
        do {
            _ = try DataConverter.convert(from: input, format: .csv, readOptions: DataRowSource.Options(), to: output, format: .recordIO, writeOptions: options)
        } catch {
            #expect(error.description.hasPrefix("\(output): record 2: field features[0]: nan cannot be written as int32"), "\(error)")
        }
        #expect(RecordProtobuf.int32Value(2.4) == 2 && RecordProtobuf.int32Value(3e9) == nil && RecordProtobuf.int32Value(-.infinity) == nil)
    }
}
