import Foundation
import WeirMath

/// The settings of the `num_models` models trained side by side. Model 0 takes the given
/// values (auto: learning rate 0.01 for adam and rmsprop, 0.1 for sgd; no L2, no L1).
/// Every other model varies what was left at auto: learning rates spread evenly in log
/// scale over a decade either side, L2 spread over 1e-7...1e-2 in a seeded order, and L1
/// (1e-6...1e-3) on every fourth model. Values the user set are the same for all.
struct ModelSearch {
    let hp: LinearLearnerHyperparameters

    func settings(random: inout RandomSource) -> [ModelSettings] {
        let count = hp.modelCount
        let centralRate = hp.learningRate ?? (hp.optimizer == .sgd ? 0.1 : 0.01)
        var result = [ModelSettings(learningRate: centralRate, weightDecay: hp.weightDecay ?? 0, l1: hp.l1 ?? 0)]
        guard count > 1 else { return result }
        let others = count - 1
        let decayOrder = random.permutation(others)
        for index in 0..<others {
            let fraction = others > 1 ? Double(index) / Double(others - 1) : 0.5
            let rate = hp.learningRate ?? centralRate * pow(10, -1 + 2 * fraction)
            let decayFraction = others > 1 ? Double(decayOrder[index]) / Double(others - 1) : 0.5
            let decay = hp.weightDecay ?? pow(10, -7 + 5 * decayFraction)
            let l1 = hp.l1 ?? (index % 4 == 3 ? pow(10, -6 + 3 * fraction) : 0)
            result.append(ModelSettings(learningRate: rate, weightDecay: decay, l1: l1))
        }
        return result
    }
}
