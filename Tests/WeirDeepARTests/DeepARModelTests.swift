import Foundation
import Testing
import WeirMath
@testable import WeirDeepAR

@Suite struct DeepARModelTests {
    /// Daily series with a level, a trend, weekly seasonality and noise.
    static func series(count: Int, length: Int, seed: UInt64) -> [DeepARSeries] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { _ in
            let level = 20 + 80 * random.uniform(), amplitude = 0.3 * level * random.uniform(in: 0.5..<1)
            let trend = random.uniform(in: -0.02..<0.05), phase = Double(random.uniformInt(below: 7))
            let values = (0..<length).map { t -> Double in
                level + trend * Double(t) + amplitude * sin(2 * Double.pi * (Double(t) + phase) / 7) + random.normal() * 0.05 * level
            }
            return DeepARSeries(start: 1_704_067_200, values: values)
        }
    }

    static func trainedModel(seed: UInt64, epochs: Int = 8) -> (DeepARModel, [DeepARSeries], [DeepARSeries]) {
        let full = Self.series(count: 12, length: 207, seed: 5)
        let train = full.map { DeepARSeries(start: $0.start, values: Array($0.values.dropLast(7))) }
        var configuration = DeepARConfiguration(frequency: TimeFrequency("D")!, contextLength: 28, predictionLength: 7)
        configuration.cells = 20
        configuration.layers = 2
        configuration.dropoutRate = 0.05
        let model = DeepARModel(configuration, seed: seed)
        model.train(train, epochs: epochs, batchesPerEpoch: 20, batchSize: 16, learningRate: 0.005, seed: seed)
        return (model, train, full)
    }

    @Test func beatsSeasonalNaiveOnTheTestWindowAndIsReproducible() throws {
        let (model, train, full) = Self.trainedModel(seed: 1)
        var modelError = 0.0, naiveError = 0.0
        for (history, truth) in zip(train, full) {
            let paths = model.forecast(history, samples: 100, seed: 9)
            let actual = Array(truth.values.suffix(7))
            for step in 0..<7 {
                let mean = paths.map { $0[step] }.reduce(0, +) / Double(paths.count)
                let naive = history.values[history.values.count - 7 + step]
                modelError += (mean - actual[step]) * (mean - actual[step])
                naiveError += (naive - actual[step]) * (naive - actual[step])
            }
        }
        print("rmse model \((modelError / 84).squareRoot()) seasonal naive \((naiveError / 84).squareRoot())")
        #expect(modelError < naiveError)
        let again = Self.trainedModel(seed: 1, epochs: 8).0
        #expect(again.forecast(train[0], samples: 10, seed: 3) == model.forecast(train[0], samples: 10, seed: 3))
    }
}
