import Foundation
import Testing
import WeirTraining

struct HyperparameterTests {
    let schema: [HyperparameterDefinition] = [
        HyperparameterDefinition("num_trees", .integer(50...1000), default: "100"),
        HyperparameterDefinition("feature_dim", .integer(1...10_000)),
        HyperparameterDefinition("learning_rate", .real(0...1), default: "auto", allowsAuto: true),
        HyperparameterDefinition("normalize_data", .boolean, default: "true"),
        HyperparameterDefinition("likelihood", .choice(["student-T", "gaussian", "negative-binomial"]), default: "student-T"),
        HyperparameterDefinition("test_quantiles", .realList, default: "[0.1, 0.5, 0.9]"),
    ]

    @Test func stringValuesBecomeTypedValuesWithDefaults() throws {
        let values = try Hyperparameters(["feature_dim": "12", "normalize_data": "False", "likelihood": "Gaussian",
                                          "num_trees": "200.0", "test_quantiles": "[\"0.2\", 0.8]"], schema: schema)
        #expect(values.integer("feature_dim") == 12 && values.integer("num_trees") == 200)
        #expect(values.boolean("normalize_data") == false)
        #expect(values.text("likelihood") == "gaussian")
        #expect(values.isAuto("learning_rate"))
        #expect(values.realList("test_quantiles") == [0.2, 0.8])
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
        let values = try Hyperparameters(raw, schema: schema)
        #expect(values.realList("test_quantiles") == [0.2, 0.8] && values.boolean("normalize_data") == true)
    }
}
