import WeirMath

/// A probabilistic forecast: sample paths, and the mean and quantiles read from them
/// (type-7 sample quantiles, as NumPy computes them).
public struct DeepARForecast: Sendable, Equatable {
    /// [samples][prediction_length]
    public let samples: [[Double]]

    public init(samples: [[Double]]) {
        self.samples = samples
    }

    public var horizon: Int { samples.first?.count ?? 0 }

    /// Whether every sampled value is finite (extreme histories can overflow the float32
    /// network; such a forecast is refused, not published).
    public var isFinite: Bool { samples.allSatisfy { $0.allSatisfy(\.isFinite) } }

    static let notFiniteMessage = "the forecast is not finite: the series' values are beyond what the float32 model computes in"

    public var mean: [Double] {
        (0..<horizon).map { step in samples.reduce(0) { $0 + $1[step] } / Double(samples.count) }
    }

    /// The q-quantile at each step.
    public func quantile(_ q: Double) -> [Double] {
        (0..<horizon).map { step in Quantiles.quantile(samples.map { $0[step] }, q) }
    }
}

/// How SageMaker's DeepAR scores a `test` channel: each series' last `prediction_length`
/// values are held out and forecast from the rest; RMSE of the mean forecast, and per
/// quantile the weighted quantile loss `2 Σ (τ max(y - q, 0) + (1 - τ) max(q - y, 0)) / Σ|y|`
/// over all held-out values, and their mean. Missing held-out values are left out.
public struct DeepAREvaluation: Sendable, Equatable {
    public var rmse: Double
    public var weightedQuantileLoss: [Double: Double]
    public var meanWeightedQuantileLoss: Double
    public var seriesCount: Int

    public static func evaluate(_ model: DeepARModel, series: [DeepARSeries], quantiles: [Double], samples: Int, seed: UInt64) -> DeepAREvaluation {
        let horizon = model.configuration.predictionLength
        var targets: [Double] = [], means: [Double] = []
        var quantileForecasts = [Double: [Double]]()
        var count = 0
        for (index, full) in series.enumerated() where full.values.count > horizon {
            var history = full
            history.values = Array(full.values.dropLast(horizon))
            let forecast = DeepARForecast(samples: model.forecast(history, samples: samples, seed: seed &+ UInt64(index)))
            let truth = Array(full.values.suffix(horizon))
            let mean = forecast.mean
            let perQuantile = quantiles.map { forecast.quantile($0) }
            for step in 0..<horizon where truth[step].isFinite {
                targets.append(truth[step])
                means.append(mean[step])
                for (position, q) in quantiles.enumerated() { quantileForecasts[q, default: []].append(perQuantile[position][step]) }
            }
            count += 1
        }
        guard !targets.isEmpty else {
            return DeepAREvaluation(rmse: .nan, weightedQuantileLoss: [:], meanWeightedQuantileLoss: .nan, seriesCount: 0)
        }
        var losses: [Double: Double] = [:]
        for q in quantiles {
            losses[q] = EvaluationMetrics.weightedQuantileLoss(targets: targets, forecasts: quantileForecasts[q]!, quantile: q)
        }
        return DeepAREvaluation(rmse: EvaluationMetrics.rmse(predictions: means, targets: targets), weightedQuantileLoss: losses,
                                meanWeightedQuantileLoss: losses.values.reduce(0, +) / Double(max(losses.count, 1)), seriesCount: count)
    }
}
