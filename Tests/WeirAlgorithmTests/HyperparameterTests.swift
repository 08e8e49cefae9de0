import Foundation
import Testing
import WeirAlgorithm

/// A hyperparameter set as an algorithm declares one: typed keys, read once.
struct ExampleHyperparameters: HyperparameterSet {
    enum Likelihood: String, CaseIterable, Sendable { case studentT = "student-T", gaussian, negativeBinomial = "negative-binomial" }

    static let numTrees = HyperparameterKey<Int>.integer("num_trees", 50...1000, default: 100, help: "Trees.")
    static let featureDim = HyperparameterKey<Int>.integer("feature_dim", 1...10_000, help: "Inputs.")
    static let learningRate = HyperparameterKey<Double?>(
        HyperparameterDefinition("learning_rate", .real(0...1), default: "auto", allowsAuto: true, help: "Step size.")) {
            switch $0 {
            case .real(let value): return .some(value)
            case .auto: return .some(nil)
            default: return nil
            }
        }
    static let normalizeData = HyperparameterKey<Bool>.boolean("normalize_data", default: true, help: "Normalise.")
    static let likelihood = HyperparameterKey<Likelihood>.choice("likelihood", default: .studentT, help: "Noise model.")
    static let testQuantiles = HyperparameterKey<[Double]>.realList("test_quantiles", default: "[0.1, 0.5, 0.9]", help: "Quantiles.")
    static let frequency = HyperparameterKey<Int>.parsed("frequency", expecting: "a number of minutes such as 5min", default: "1min",
                                                         help: "Grid.") { text in
        text.hasSuffix("min") ? Int(text.dropLast(3)) : nil
    }

    static let schema = [numTrees.definition, featureDim.definition, learningRate.definition, normalizeData.definition,
                         likelihood.definition, testQuantiles.definition, frequency.definition]

    let trees: Int, features: Int, learningRate: Double?, normalize: Bool, likelihood: Likelihood, quantiles: [Double], minutes: Int

    init(_ values: Hyperparameters) throws(HyperparameterError) {
        trees = try values[Self.numTrees]
        features = try values[Self.featureDim]
        learningRate = try values[Self.learningRate]
        normalize = try values[Self.normalizeData]
        likelihood = try values[Self.likelihood]
        quantiles = try values[Self.testQuantiles]
        minutes = try values[Self.frequency]
    }
}

struct HyperparameterTests {
    let schema = ExampleHyperparameters.schema

    @Test func stringValuesBecomeTypedFieldsWithDefaults() throws {
        let set = try ExampleHyperparameters.validated(["feature_dim": "12", "normalize_data": "False", "likelihood": "Gaussian",
                                                        "num_trees": "200.0", "test_quantiles": "[\"0.2\", 0.8]", "frequency": "5min"])
        #expect(set.features == 12 && set.trees == 200)
        #expect(set.normalize == false)
        #expect(set.likelihood == .gaussian)
        #expect(set.learningRate == nil)
        #expect(set.quantiles == [0.2, 0.8])
        #expect(set.minutes == 5)
        let defaults = try ExampleHyperparameters.validated(["feature_dim": "1", "learning_rate": "0.5"])
        #expect(defaults.trees == 100 && defaults.normalize && defaults.likelihood == .studentT && defaults.minutes == 1 && defaults.learningRate == 0.5)
    }

    /// SageMaker adds names of its own to tuning and framework jobs; they are set aside,
    /// not refused, while an unknown name of the user's still is.
    @Test func namesSageMakerInjectsAreIgnoredAndListed() throws {
        let values = try Hyperparameters(["feature_dim": "3", "_tuning_objective_metric": "test:f1", "sagemaker_region": "\"eu-west-1\""],
                                         schema: schema)
        #expect(values.ignored == ["_tuning_objective_metric", "sagemaker_region"])
        #expect(throws: HyperparameterError.self) { try Hyperparameters(["feature_dim": "3", "tuning_metric": "x"], schema: schema) }
    }

    /// Reading a key the schema does not hold is a typed error, not a trap.
    @Test func aKeyOutsideTheSchemaIsAnError() throws {
        let values = try Hyperparameters(["feature_dim": "3"], schema: [ExampleHyperparameters.featureDim.definition])
        #expect(try values[ExampleHyperparameters.featureDim] == 3)
        #expect(throws: HyperparameterError.self) { try values[ExampleHyperparameters.numTrees] }
    }

    @Test(arguments: [
        (["feature_dim": "12", "num_trees": "10"], "hyperparameter num_trees=10: expected an integer in 50...1000"),
        ([:], "hyperparameter feature_dim: required: expected an integer in 1...10000"),
        (["feature_dim": "x"], "hyperparameter feature_dim=x: expected an integer in 1...10000"),
        (["feature_dim": "3", "learning_rate": "2"], "hyperparameter learning_rate=2: expected a number in 0.0...1.0 or auto"),
        (["feature_dim": "3", "normalize_data": "maybe"], "hyperparameter normalize_data=maybe: expected true or false"),
        (["feature_dim": "3", "likelihood": "poisson"], "hyperparameter likelihood=poisson: expected one of student-T, gaussian, negative-binomial"),
        (["feature_dim": "3", "num_tree": "60"], "hyperparameter num_tree=60: unknown hyperparameter (did you mean num_trees?)"),
        (["feature_dim": "3", "test_quantiles": "0.5"], "hyperparameter test_quantiles=0.5: expected a JSON list of numbers"),
        (["feature_dim": "3", "frequency": "H"], "hyperparameter frequency=H: expected a number of minutes such as 5min"),
        (["feature_dim": "1e300"], "hyperparameter feature_dim=1e300: expected an integer in 1...10000"),
        (["feature_dim": "-9223372036854775808"], "hyperparameter feature_dim=-9223372036854775808: expected an integer in 1...10000"),
    ])
    func invalidValuesNameTheParameterTheValueAndTheRange(raw: [String: String], message: String) {
        do {
            _ = try Hyperparameters(raw, schema: schema)
            Issue.record("expected \(message)")
        } catch {
            #expect(error.description == message)
        }
    }
}

extension HyperparameterTests {
    /// Hand-written hyperparameter files may hold numbers, booleans and lists: they become
    /// the strings SageMaker would have passed, lists as JSON.
    @Test func handWrittenFilesBecomeSageMakerStrings() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("weir-hp-\(getpid()).json").path
        try #"{"feature_dim": 12, "normalize_data": true, "test_quantiles": [0.2, 0.8], "likelihood": "gaussian"}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let raw = try TrainingJobSpec.hyperparameters(fromFile: path)
        #expect(raw == ["feature_dim": "12", "normalize_data": "true", "test_quantiles": "[0.2,0.8]", "likelihood": "gaussian"])
        let set = try ExampleHyperparameters.validated(raw)
        #expect(set.quantiles == [0.2, 0.8] && set.normalize == true)
    }
}
