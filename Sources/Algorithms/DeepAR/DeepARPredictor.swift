import Foundation
import WeirCore
import WeirAlgorithm
import WeirFormats

/// Forecasts DeepAR request instances as SageMaker's endpoint does: each instance is a
/// series (`start`, `target`, `cat`, `dynamic_feat` covering the horizon too); the
/// request's `configuration` asks for `num_samples` (default 100) paths and the
/// `output_types` `mean`, `quantiles` (at `quantiles`, strings such as "0.9") and
/// `samples` (default `mean` and `quantiles` at 0.1, 0.5 and 0.9). Forecasts are seeded
/// by the series' content, so the same request gets the same answer.
public final class DeepARPredictor: BatchPredictor {
    public static let algorithm = DeepARAlgorithm.info.name
    public static let responseArrayKey = "predictions"
    public static let input = PredictorInput.instances
    let model: DeepARModel

    public init(model: DeepARModel) {
        self.model = model
    }

    static func fail(_ field: String?, _ message: String) -> FormatError { FormatError(input: "request", .none, field: field, message) }

    public func predict(instance: JSONObject, configuration: JSONObject?) throws -> JSONObject {
        let entry = try TimeSeriesReader.entry(.object(instance), fail: Self.fail)
        let settings = model.configuration
        if settings.cardinality.count != entry.categories.count {
            throw Self.fail("cat", "has \(entry.categories.count) values; the model was trained with \(settings.cardinality.count)")
        }
        for (index, category) in entry.categories.enumerated() where category >= settings.cardinality[index] {
            throw Self.fail("cat[\(index)]", "category \(category) is outside the model's 0..<\(settings.cardinality[index]) (the model never saw it in training)")
        }
        if entry.dynamicFeatures.count < settings.dynamicFeatures {
            throw Self.fail("dynamic_feat", "has \(entry.dynamicFeatures.count) features; the model was trained with \(settings.dynamicFeatures)")
        }
        for (index, feature) in entry.dynamicFeatures.prefix(settings.dynamicFeatures).enumerated()
        where feature.count < entry.target.count + settings.predictionLength {
            throw Self.fail("dynamic_feat[\(index)]", "has \(feature.count) values; it must cover the target and the \(settings.predictionLength) steps forecast (\(entry.target.count + settings.predictionLength))")
        }
        var samples = 100
        var outputTypes = ["mean", "quantiles"]
        var quantileTexts: [(text: String, level: Double)] = [("0.1", 0.1), ("0.5", 0.5), ("0.9", 0.9)]
        if let configuration {
            if let value = configuration["num_samples"] {
                guard let number = value.doubleValue, number >= 1, number <= 10_000, number == number.rounded() else {
                    throw Self.fail("configuration.num_samples", "expected an integer from 1 to 10000")
                }
                samples = Int(number)
            }
            if case .array(let items)? = configuration["output_types"] {
                outputTypes = try items.map { item in
                    guard case .string(let text) = item, ["mean", "quantiles", "samples"].contains(text) else {
                        throw Self.fail("configuration.output_types", "expected \"mean\", \"quantiles\" or \"samples\"")
                    }
                    return text
                }
            }
            if case .array(let items)? = configuration["quantiles"] {
                quantileTexts = try items.map { item in
                    let text = item.stringValue ?? item.doubleValue.map { NumberText.format($0) } ?? ""
                    guard let q = Double(text), q > 0, q < 1 else { throw Self.fail("configuration.quantiles", "expected quantiles in (0, 1) such as \"0.9\"") }
                    return (text, q)
                }
            }
        }
        let series = DeepARSeries(start: entry.startEpochSeconds, values: entry.target, categories: entry.categories,
                                  dynamicFeatures: entry.dynamicFeatures)
        var hasher = FNV1a()
        for value in entry.target { withUnsafeBytes(of: value.bitPattern) { hasher.add($0) } }
        let forecast = DeepARForecast(samples: model.forecast(series, samples: samples, seed: hasher.value))
        guard forecast.isFinite else { throw Self.fail("target", DeepARForecast.notFiniteMessage) }
        var response = JSONObject([])
        for type in outputTypes {
            switch type {
            case "mean": response.set("mean", .array(forecast.mean.map { .number($0) }))
            case "quantiles":
                response.set("quantiles", .object(JSONObject(quantileTexts.map { quantile in
                    (quantile.text, .array(forecast.quantile(quantile.level).map { .number($0) }))
                })))
            default: response.set("samples", .array(forecast.samples.map { .array($0.map { .number($0) }) }))
            }
        }
        return response
    }
}
