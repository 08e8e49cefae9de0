import Foundation
import Testing
import WeirFormats

struct JSONLinesTests {
    func write(_ text: String, _ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-jsonl-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func requestShapesAndAugmentedManifestsRead() throws {
        let path = try write("""
            {"features":[1,2.5,null],"label":1}
            {"data":{"features":{"values":[4,6],"keys":[0,2],"shape":[3]}},"label":[0]}

            {"features":{"values":[7,8,9]}}
            """, "requests.jsonl")
        let reader = try JSONLinesDataReader(path: path)
        let first = try #require(try reader.next())
        #expect(first.label == [1] && first.features.denseValues[1] == 2.5 && first.features.denseValues[2].isNaN)
        #expect(try reader.next() == DataRow(features: .sparse(indices: [0, 2], values: [4, 6], dimension: 3), label: [0]))
        #expect(try reader.next() == DataRow(features: .dense([7, 8, 9])))
        #expect(try reader.next() == nil)

        let manifest = try write(#"{"source-ref":"s3://b/k","embedding":[0.1,0.2],"class":3}"#, "manifest.jsonl")
        let augmented = try JSONLinesDataReader(path: manifest, featuresAttribute: "embedding", labelAttribute: "class")
        #expect(try augmented.next() == DataRow(features: .dense([0.1, 0.2]), label: [3]))
    }

    @Test func writerRoundTripsDenseAndSparseRows() throws {
        let rows = [DataRow(features: .dense([1, 0.25]), label: [1]), DataRow(features: .sparse(indices: [1], values: [5], dimension: 4))]
        let path = try write("", "out.jsonl")
        let writer = try JSONLinesDataWriter(path: path)
        for row in rows { try writer.append(row) }
        try writer.close()
        #expect(try String(contentsOfFile: path, encoding: .utf8) ==
            #"{"features":[1,0.25],"label":[1]}"# + "\n" + #"{"data":{"features":{"values":[5],"keys":[1],"shape":[4]}}}"# + "\n")
        let reader = try JSONLinesDataReader(path: path)
        #expect([try reader.next(), try reader.next()] == rows)
    }

    @Test(arguments: [
        (#"{"features":[1,"x"]}"#, "field features[1]: expected a number, found a string"),
        (#"{"feature":[1]}"#, "field features: missing (the object has feature)"),
        (#"[1,2]"#, "expected a JSON object, found an array"),
        (#"{"features":[1,2}"#, "invalid JSON at column 17"),
        (#"{"data":{"features":{"values":[1,2],"keys":[3,1]}}}"#, "field features.keys[1]: key 1 is not above the previous key 3"),
    ])
    func dataErrorsNameLineAndField(text: String, expected: String) throws {
        let path = try write("\n" + text + "\n", "bad-\(abs(text.hashValue)).jsonl")
        do {
            _ = try JSONLinesDataReader(path: path).next()
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description.hasPrefix("\(path): line 2: \(expected)"), "\(error)")
        }
    }

    @Test func deepARSeriesReadWithMissingValuesAndFeatures() throws {
        let path = try write("""
            {"start":"2026-01-31 23:00:00","target":[1,null,"NaN",4.5],"cat":[0,3],"dynamic_feat":[[1,2,3,4],[0,0,1,1]]}
            {"start":"2024-02-29","target":[7]}
            """, "series.jsonl")
        let reader = try TimeSeriesReader(path: path)
        let first = try #require(try reader.next())
        #expect(first.start == "2026-01-31 23:00:00" && first.startEpochSeconds == 1_769_900_400)
        #expect(first.target[0] == 1 && first.target[1].isNaN && first.target[2].isNaN && first.target[3] == 4.5)
        #expect(first.categories == [0, 3] && first.dynamicFeatures == [[1, 2, 3, 4], [0, 0, 1, 1]])
        let second = try #require(try reader.next())
        #expect(second.startEpochSeconds == 1_709_164_800 && second.categories.isEmpty)
        #expect(try reader.next() == nil)
    }

    @Test(arguments: [
        (#"{"start":"2026-02-30","target":[1]}"#, "field start: expected \"YYYY-MM-DD\""),
        (#"{"target":[1]}"#, "field start: missing"),
        (#"{"start":"2026-01-01","target":[1,true]}"#, "field target[1]: expected a number, null or \"NaN\", found a boolean"),
        (#"{"start":"2026-01-01","target":[]}"#, "field target: is empty"),
        (#"{"start":"2026-01-01","target":[1],"cat":[1.5]}"#, "field cat[0]: expected a non-negative integer, found 1.5"),
        (#"{"start":"2026-01-01","target":[1],"dynamic_feat":[[1,2],[1]]}"#, "field dynamic_feat[1]: has 1 values, dynamic_feat[0] has 2"),
    ])
    func seriesErrorsNameLineAndField(text: String, expected: String) throws {
        let path = try write(text + "\n", "bad-series-\(abs(text.hashValue)).jsonl")
        do {
            _ = try TimeSeriesReader(path: path).next()
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description.hasPrefix("\(path): line 1: \(expected)"), "\(error)")
        }
    }
}
