import Foundation
import WeirAlgorithm
import WeirCore
import WeirMath

extension DeepARAlgorithm {
    /// Six hourly series with a daily cycle at different levels. Quality: RMSE of the
    /// mean forecast of each series' last 12 hours from the rest, against forecasting
    /// the mean of the last day (a flat forecast that ignores the cycle).
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["time_freq": "H", "context_length": "24", "prediction_length": "12", "epochs": "6", "num_cells": "16",
                              "num_layers": "1", "mini_batch_size": "32", "num_batches_per_epoch": "25", "learning_rate": "0.01",
                              "dropout_rate": "0", "num_eval_samples": "50", "seed": "3"],
            channels: { directory in
                let train = try FixtureFiles.write(series(hours: 24 * 10).map(line), to: directory, name: "train.json")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "application/jsonlines")]
            },
            seedHyperparameter: "seed",
            requests: .instances(series(hours: 48).prefix(3).map(instance),
                                 configuration: JSONObject([("num_samples", .number(20)), ("output_types", .array([.string("mean"), .string("quantiles")])),
                                                            ("quantiles", .array([.string("0.1"), .string("0.9")]))])),
            badRequests: [
                AlgorithmFixture.BadRequest(contentType: "application/json",
                                            body: #"{"instances":[{"start":"2024-01-01 00:00:00","target":[1,2,3]},{"start":"2024-01-01 00:00:00","target":[1,"x"]}]}"#,
                                            errorMentions: "target"),
                AlgorithmFixture.BadRequest(contentType: "application/json", body: #"{"instances":[{"target":[1,2,3]}]}"#, errorMentions: "start"),
                AlgorithmFixture.BadRequest(contentType: "application/jsonlines", body: "{\"start\":\"2024-01-01 00:00:00\",\"target\":[1,2]}\n[1]\n",
                                            errorMentions: "line 2"),
            ],
            stream: AlgorithmFixture.Stream(
                settings: JSONObject([("key_field", .string("series")), ("num_samples", .number(10)), ("every", .number(2))]),
                events: (0..<(24 * 4)).flatMap { hour in
                    series(hours: 24 * 4).prefix(3).enumerated().map { index, values in
                        (JSONObject([("series", .string("s\(index)")), ("value", .number((values[hour] * 1000).rounded() / 1000))]),
                         (start + Int64(hour) * 3_600) * 1_000)
                    }
                }),
            quality: { snapshot, _ in
                let model = try DeepARModel(snapshot: snapshot, name: "fixture")
                let held = series(hours: 24 * 11)
                let horizon = model.configuration.predictionLength
                var modelErrors: [Double] = [], baselineErrors: [Double] = []
                for (index, values) in held.enumerated() {
                    let history = Array(values.dropLast(horizon)), future = Array(values.suffix(horizon))
                    let paths = model.forecast(DeepARSeries(start: start, values: history), samples: 50, seed: UInt64(index))
                    let mean = DeepARForecast(samples: paths).mean
                    let flat = history.suffix(24).reduce(0, +) / 24
                    for step in 0..<horizon {
                        modelErrors.append(mean[step] - future[step])
                        baselineErrors.append(flat - future[step])
                    }
                }
                func rmse(_ errors: [Double]) -> Double { (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot() }
                return AlgorithmFixture.Quality(metric: "RMSE", model: rmse(modelErrors), baseline: rmse(baselineErrors), higherIsBetter: false)
            })
    }

    /// 2024-01-01 00:00:00 UTC.
    static let start: Int64 = 1_704_067_200

    static func series(hours: Int) -> [[Double]] {
        var random = RandomSource(seed: 11)
        return (0..<6).map { index in
            let level = 20 + 10 * Double(index)
            return (0..<hours).map { hour in
                level + level * 0.4 * sin(2 * Double.pi * Double(hour % 24) / 24) + random.normal(standardDeviation: level * 0.03)
            }
        }
    }

    static func instance(_ values: [Double]) -> JSONObject {
        JSONObject([("start", .string("2024-01-01 00:00:00")), ("target", .array(values.map { .number(($0 * 1000).rounded() / 1000) }))])
    }

    static func line(_ values: [Double]) -> String { JSONWriter.string(of: .object(instance(values))) }
}
