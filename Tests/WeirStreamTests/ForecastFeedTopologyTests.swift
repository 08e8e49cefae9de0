import Foundation
import Testing
import WeirCore
import WeirTestSupport

/// The shipped forecast-feed replay topology with the real `weir` binary: simulate series,
/// train DeepAR on them, replay the observation stream and read the forecasts.
struct ForecastFeedTopologyTests {
    @Test func replayedObservationsBecomeAForecastFeed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weir-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let generated = try WeirProcess.run(["generate", "series", "--series", "6", "--length", "400", "--stream-length", "96",
                                             "--out", "datasets/forecast"], in: folder)
        #expect(generated.status == 0, "\(generated.stderr)")
        let trained = try WeirProcess.run(["train", "deepar", "--channel", "train=datasets/forecast/train.jsonl",
                                           "--channel", "test=datasets/forecast/test.jsonl", "--hp", "time_freq=H", "--hp", "context_length=48",
                                           "--hp", "prediction_length=24", "--hp", "epochs=2", "--hp", "num_batches_per_epoch=5",
                                           "--hp", "mini_batch_size=16", "--hp", "num_cells=16", "--hp", "num_eval_samples=20",
                                           "--model-dir", "models/forecast"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("test mean_wQuantileLoss <loss>="))
        let topology = try String(contentsOf: TestPaths.repository.appendingPathComponent("topologies/forecast-feed-replay.yaml"), encoding: .utf8)
        // As shipped: its paths are relative to its own folder (../models, ../datasets).
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("topologies"), withIntermediateDirectories: true)
        try topology.write(to: folder.appendingPathComponent("topologies/feed.yaml"), atomically: true, encoding: .utf8)
        let replayed = try WeirProcess.run(["replay", "topologies/feed.yaml"], in: folder)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let lines = try String(contentsOf: folder.appendingPathComponent("forecast-feed.forecasts.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6 * 96 / 24, "one forecast per 24 observations of each series")
        for line in lines {
            guard case .object(let event) = try JSONParser.parse(Array(line.utf8)), case .array(let mean)? = event["forecast_mean"],
                  case .object(let quantiles)? = event["forecast_quantiles"], case .number(let ts)? = event["ts"],
                  case .number(let start)? = event["forecast_start"] else {
                Issue.record("not a forecast: \(line)"); continue
            }
            #expect(mean.count == 24 && quantiles.keys == ["0.1", "0.5", "0.9"])
            #expect(start == ts + 3_600, "the forecast starts one hour after the observation, in the same unit")
            #expect(event["model_version"]?.stringValue?.contains("deepar.model") == true)
        }
    }
}
