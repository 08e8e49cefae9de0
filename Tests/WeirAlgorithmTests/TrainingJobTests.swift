import Foundation
import Testing
import WeirCore
import WeirTestSupport
import WeirAlgorithm
import WeirCatalog

/// A whole job in SageMaker's container layout, run as the `weir` process a bring-your-own
/// container would start.
struct TrainingJobTests {
    func layout(_ name: String, hyperparameters: String) throws -> URL {
        let root = try TestPaths.scratchFolder(name)
        let config = root.appendingPathComponent("input/config"), data = root.appendingPathComponent("input/data/train")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try hyperparameters.write(to: config.appendingPathComponent("hyperparameters.json"), atomically: true, encoding: .utf8)
        try #"{"train": {"ContentType": "text/csv;label_size=0", "TrainingInputMode": "File", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}}"#
            .write(to: config.appendingPathComponent("inputdataconfig.json"), atomically: true, encoding: .utf8)
        try #"{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}"#
            .write(to: config.appendingPathComponent("resourceconfig.json"), atomically: true, encoding: .utf8)
        try "1,2\n3,4\n5,6\n".write(to: data.appendingPathComponent("part-0.csv"), atomically: true, encoding: .utf8)
        try "7,8\n".write(to: data.appendingPathComponent("part-1.csv"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func sageMakerLayoutTrainsAndWritesTheModelAndMetrics() throws {
        let root = try layout("job-ok", hyperparameters: #"{"feature_dim": "2", "mini_batch_size": "2"}"#)
        let result = try WeirProcess.run(["train", "statistics", "--sagemaker", "--sagemaker-root", root.path], in: root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("#quality_metric: host=algo-1, train records <count>=4"))
        #expect(result.stdout.contains("#progress_metric: host=algo-1, completed 100 % of epochs"))
        #expect(result.stdout.contains("#throughput_metric: host=algo-1, train throughput="))
        let model = try JSONParser.parse(Array(try Data(contentsOf: root.appendingPathComponent("model/statistics.json"))))
        #expect(model.objectValue?["records"] == .number(4))
        #expect(model.objectValue?["features"] == .array([
            .object(JSONObject([("count", .number(4)), ("missing", .number(0)), ("mean", .number(4)),
                                ("std", .number((20.0 / 3).squareRoot())), ("min", .number(1)), ("max", .number(7))])),
            .object(JSONObject([("count", .number(4)), ("missing", .number(0)), ("mean", .number(5)),
                                ("std", .number((20.0 / 3).squareRoot())), ("min", .number(2)), ("max", .number(8))])),
        ]))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("output/failure").path))
    }

    @Test func aBadHyperparameterFailsTheJobWithItsReason() throws {
        let root = try layout("job-bad", hyperparameters: #"{"feature_dim": "0"}"#)
        let result = try WeirProcess.run(["train", "statistics", "--sagemaker", "--sagemaker-root", root.path], in: root)
        #expect(result.status == 2)
        let failure = try String(contentsOf: root.appendingPathComponent("output/failure"), encoding: .utf8)
        #expect(failure == "hyperparameter feature_dim=0: expected an integer in 1...1000000000 or auto")
        #expect(result.stderr.contains(failure))
    }

    /// A job that dies of a signal (a trap is one) still writes SageMaker's failure file.
    @Test func aCrashStillWritesTheFailureFile() throws {
        let root = try layout("job-crash", hyperparameters: #"{"feature_dim": "2"}"#)
        try #"{"train": {"ContentType": "text/csv;label_size=0", "TrainingInputMode": "Pipe", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}}"#
            .write(to: root.appendingPathComponent("input/config/inputdataconfig.json"), atomically: true, encoding: .utf8)
        // A pipe nobody writes to: the job waits in it until the signal arrives.
        #expect(mkfifo(root.appendingPathComponent("input/data/train_0").path, 0o600) == 0)
        let job = try WeirProcess(["train", "statistics", "--sagemaker", "--sagemaker-root", root.path], in: root, name: "crash")
        Thread.sleep(forTimeInterval: 1.5)
        job.signal(SIGABRT)
        #expect(job.wait(seconds: 30))
        #expect(job.terminationStatus != 0)
        let failure = try String(contentsOf: root.appendingPathComponent("output/failure"), encoding: .utf8)
        #expect(failure.hasPrefix("weir train statistics stopped on a crash"), "\(failure)")
    }

    /// A Pipe-mode job (each epoch a FIFO read once) with `--publish` publishes its model:
    /// the train channel is not read again to fingerprint it (before, publishing failed
    /// after training with "no such file or folder").
    @Test func aPipeModeJobPublishes() throws {
        let root = try layout("job-pipe-publish", hyperparameters: #"{"feature_dim": "2", "num_trees": "50", "num_samples_per_tree": "16"}"#)
        try #"{"train": {"ContentType": "text/csv;label_size=0", "TrainingInputMode": "Pipe", "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}}"#
            .write(to: root.appendingPathComponent("input/config/inputdataconfig.json"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: root.appendingPathComponent("input/data/train"))
        let rows = (0..<64).map { "\($0 % 7),\($0 % 5)" }.joined(separator: "\n") + "\n"
        // The forest reads its data twice (training, then the score threshold): two FIFOs.
        for epoch in 0..<2 { #expect(mkfifo(root.appendingPathComponent("input/data/train_\(epoch)").path, 0o600) == 0) }
        let writer = Thread {
            for epoch in 0..<2 {
                guard let handle = FileHandle(forWritingAtPath: root.appendingPathComponent("input/data/train_\(epoch)").path) else { return }
                handle.write(Data(rows.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let registry = root.appendingPathComponent("registry").path
        let result = try WeirProcess.run(["train", "rcf", "--sagemaker", "--sagemaker-root", root.path,
                                          "--publish", "piped", "--registry", registry, "--stage", "production"], in: root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("published piped:v1 (production)"), "\(result.stdout)")
        let shown = try WeirProcess.run(["models", "show", "piped", "--registry", registry], in: root)
        #expect(shown.status == 0 && shown.stdout.contains("randomcutforest"), "\(shown.stdout)\(shown.stderr)")
    }

    /// A channel with `CompressionType: Gzip` whose files arrive compressed (one part here,
    /// the other plain) trains on the same records; an unknown compression names the field.
    @Test func aGzipChannelTrainsOnTheSameRecords() throws {
        let root = try layout("job-gzip", hyperparameters: #"{"feature_dim": "2"}"#)
        let data = root.appendingPathComponent("input/data/train")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["part-0.csv"]
        gzip.currentDirectoryURL = data
        try gzip.run()
        gzip.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("part-0.csv.gz").path))
        let configFile = root.appendingPathComponent("input/config/inputdataconfig.json")
        try #"{"train": {"ContentType": "text/csv;label_size=0", "TrainingInputMode": "File", "CompressionType": "Gzip"}}"#
            .write(to: configFile, atomically: true, encoding: .utf8)
        let result = try WeirProcess.run(["train", "statistics", "--sagemaker", "--sagemaker-root", root.path], in: root)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("train records <count>=4"), "\(result.stdout)")
        try #"{"train": {"ContentType": "text/csv;label_size=0", "CompressionType": "Zstd"}}"#
            .write(to: configFile, atomically: true, encoding: .utf8)
        let refused = try WeirProcess.run(["train", "statistics", "--sagemaker", "--sagemaker-root", root.path], in: root)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("train.CompressionType: expected None or Gzip, found 'Zstd'"), "\(refused.stderr)")
    }
}
