import Testing
import WeirAlgorithm
import WeirCore
import WeirMath
@testable import WeirIPInsights

@Suite struct IPInsightsModelTests {
    static func model(layers: Int, dimension: Int = 8, seed: UInt64 = 5) -> IPInsightsModel {
        var model = IPInsightsModel(configuration: .init(vectorDimension: dimension, entityVectors: 50, ipVectors: 200, encoderLayers: layers),
                                    seed: seed)
        // Larger biases than the zero start, so that ReLUs and biases are exercised.
        var random = RandomSource(seed: seed + 1)
        for layer in 0..<layers { model.layerBiases[layer] = (0..<dimension).map { _ in Float(random.normal() * 0.3) } }
        return model
    }

    static let addresses = ["81.2.69.160", "81.2.69.7", "2001:db8:aa:bb00::1"].map { IPAddress($0)! }
    static let entities: [Int32] = [3, 17, 41]

    @Test(arguments: [0, 1, 2, 3])
    func fastScorerMatchesTheStepByStepModel(layers: Int) {
        let model = Self.model(layers: layers)
        let scorer = IPInsightsScorer(model: model)
        for (index, address) in Self.addresses.enumerated() {
            let key = EntityKey("user\(index)")
            let reference = model.score(entity: key, address: address)
            let fast = scorer.score(entityRow: model.entityRow(key), address: address)
            #expect(abs(reference - fast) <= 1e-4 * max(1, abs(reference)))
            #expect(zip(scorer.embedding(of: address), model.ipEmbedding(address)).allSatisfy { abs($0 - $1) < 1e-4 })
        }
    }

    /// The batch loss as the step-by-step model computes it, with the negatives the trainer
    /// draws for the same seed (two-pair batches make the shuffled partner the other pair).
    static func referenceLoss(_ model: IPInsightsModel, options: IPInsightsTrainer.Options, seed: UInt64) -> Double {
        let trainer = IPInsightsTrainer(model: model, options: options, seed: seed)
        return trainer.computeGradients(entityRows: entities, addresses: addresses).loss
    }

    @Test(arguments: [0, 1, 2])
    func gradientsMatchFiniteDifferences(layers: Int) {
        let model = Self.model(layers: layers)
        let options = IPInsightsTrainer.Options(randomNegatives: 2, shuffledNegatives: 1)
        let trainer = IPInsightsTrainer(model: model, options: options, seed: 9)
        _ = trainer.computeGradients(entityRows: Self.entities, addresses: Self.addresses)
        let d = model.configuration.vectorDimension
        let epsilon: Float = 1e-2
        func check(_ analytic: Float, _ perturb: (inout IPInsightsModel, Float) -> Void, _ what: String) {
            var plus = model, minus = model
            perturb(&plus, epsilon)
            perturb(&minus, -epsilon)
            let numeric = (Self.referenceLoss(plus, options: options, seed: 9) - Self.referenceLoss(minus, options: options, seed: 9)) / Double(2 * epsilon)
            #expect(abs(numeric - Double(analytic)) <= 2e-3 + 2e-2 * abs(numeric), "\(what): numeric \(numeric), analytic \(analytic)")
        }
        let entityGradients = trainer.entityGradients
        for (slot, row) in entityGradients.rows.enumerated() {
            for column in [0, d - 1] {
                check(entityGradients.values[slot * d + column], { $0.entityEmbeddings[Int(row) * d + column] += $1 }, "entity row \(row)")
            }
        }
        let ipGradients = trainer.ipGradients
        #expect(ipGradients.touchedCount >= 7)
        for (slot, row) in ipGradients.rows.enumerated() where slot % 3 == 0 {
            check(ipGradients.values[slot * d + 2], { $0.ipEmbeddings[Int(row) * d + 2] += $1 }, "ip row \(row)")
        }
        for layer in 0..<layers {
            for index in [0, d + 3, d * d - 1] {
                check(trainer.weightGradients[layer][index], { $0.layerWeights[layer][index] += $1 }, "layer \(layer) weight \(index)")
            }
            check(trainer.biasGradients[layer][1], { $0.layerBiases[layer][1] += $1 }, "layer \(layer) bias")
        }
    }

    @Test func snapshotRoundTripGivesIdenticalScores() throws {
        var model = Self.model(layers: 2, dimension: 16)
        model.entityFilter.insert(EntityKey("alice"))
        model.calibration = ScoreCalibration(scores: (0..<1000).map { Float($0) })
        model.falsePositiveRate = 0.01
        let bytes = model.encoded()
        let restored = try IPInsightsModel(encoded: bytes, name: "model")
        #expect(restored.encoded() == bytes)
        #expect(restored.wasTrained(on: EntityKey("alice")) && !restored.wasTrained(on: EntityKey("bob")))
        #expect(restored.threshold == model.threshold)
        let (a, b) = (IPInsightsScorer(model: model), IPInsightsScorer(model: restored))
        for address in Self.addresses {
            #expect(a.score(entityRow: 7, address: address) == b.score(entityRow: 7, address: address))
        }
        var truncated = bytes
        truncated.removeLast(9)
        #expect(throws: BinaryReader.Failure.self) { try IPInsightsModel(encoded: truncated, name: "model") }
        var wrongMagic = bytes
        wrongMagic[0] = 0
        #expect(throws: BinaryReader.Failure.self) { try IPInsightsModel(encoded: wrongMagic, name: "model") }
    }
}
