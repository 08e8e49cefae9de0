import Foundation
import Testing
import WeirCore
import WeirMath

/// End-to-end training: small networks learn what they should, seeded runs repeat
/// bit for bit, and parameters survive save -> load -> save unchanged.
struct TrainingTests {
    /// A two-layer MLP trained with Adam on a binary task; returns the store and accuracy.
    func trainClassifier(inputs: [[Float]], labels: [Float], hidden: Int, epochs: Int, seed: UInt64) -> (ParameterStore<Float>, Double) {
        var random = RandomSource(seed: seed)
        let store = ParameterStore<Float>()
        let first = Dense("hidden", inputSize: inputs[0].count, outputSize: hidden, activation: .tanh, store: store, random: &random)
        let second = Dense("out", inputSize: hidden, outputSize: 1, store: store, random: &random)
        var adam = Adam<Float>(learningRate: 0.02)
        let x = Tensor<Float>(rows: inputs), y = Tensor<Float>(shape: [labels.count, 1], scalars: labels)
        for _ in 0..<epochs {
            let tape = GradientTape<Float>()
            let p = store.bind(to: tape)
            let loss = Losses.logistic(logits: second(first(tape.constant(x), p), p), labels: y)
            adam.step(store, p.gradients(of: loss))
        }
        let tape = GradientTape<Float>()
        let p = store.bind(to: tape)
        let logits = second(first(tape.constant(x), p), p).value.scalars
        let correct = zip(logits, labels).filter { ($0 > 0) == ($1 > 0.5) }.count
        return (store, Double(correct) / Double(labels.count))
    }

    @Test func mlpLearnsXOR() {
        let (_, accuracy) = trainClassifier(inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], labels: [0, 1, 1, 0], hidden: 8, epochs: 500, seed: 1)
        #expect(accuracy == 1)
    }

    @Test func mlpLearnsTwoMoons() {
        var random = RandomSource(seed: 2)
        var inputs: [[Float]] = [], labels: [Float] = []
        for index in 0..<400 {
            let upper = index % 2 == 0
            let angle = random.uniform(in: 0..<Double.pi)
            let x = upper ? cos(angle) : 1 - cos(angle)
            let y = upper ? sin(angle) : 0.5 - sin(angle)
            inputs.append([Float(x + random.normal(standardDeviation: 0.1)), Float(y + random.normal(standardDeviation: 0.1))])
            labels.append(upper ? 0 : 1)
        }
        let (_, accuracy) = trainClassifier(inputs: inputs, labels: labels, hidden: 16, epochs: 600, seed: 3)
        #expect(accuracy > 0.97, "two-moons accuracy \(accuracy)")
    }

    @Test func lstmLearnsToContinueASineWave() {
        var random = RandomSource(seed: 4)
        let store = ParameterStore<Float>()
        let lstm = LSTM("lstm", inputSize: 1, hiddenSize: 16, store: store, random: &random)
        let head = Dense("head", inputSize: 16, outputSize: 1, store: store, random: &random)
        var adam = Adam<Float>(learningRate: 0.01)
        let steps = 24, batch = 16
        func windows(_ offset: Double) -> [[Float]] {
            (0..<batch).map { series in (0...steps).map { Float(sin(0.3 * Double($0) + Double(series) * 0.7 + offset)) } }
        }
        func loss(_ series: [[Float]], _ tape: GradientTape<Float>, _ p: BoundParameters<Float>) -> Variable<Float> {
            var state = lstm.zeroState(batch: batch, on: tape)
            var unused = RandomSource(seed: 0)
            let inputs = (0..<steps).map { t in tape.constant(Tensor(shape: [batch, 1], scalars: series.map { $0[t] })) }
            let outputs = lstm(inputs, state: &state, p, random: &unused).map { head($0, p) }
            let predicted = Variable.concatenate(outputs, axis: 1)
            let targets = Tensor<Float>(rows: series.map { Array($0[1...]) })
            return Losses.meanSquaredError(predicted, targets)
        }
        let evaluation = windows(100)
        let initialTape = GradientTape<Float>()
        let before = loss(evaluation, initialTape, store.bind(to: initialTape)).value.scalar
        for iteration in 0..<300 {
            let tape = GradientTape<Float>()
            let p = store.bind(to: tape)
            let gradients = GradientClipping.clipByGlobalNorm(p.gradients(of: loss(windows(Double(iteration)), tape, p)), maximum: 5)
            adam.step(store, gradients)
        }
        let tape = GradientTape<Float>()
        let after = loss(evaluation, tape, store.bind(to: tape)).value.scalar
        // Predicting the next value of a sine from its past: the error must fall far below
        // that of the untrained network (about the series' variance, 0.5).
        #expect(after < 0.01 && after < before / 20, "one-step MSE \(before) -> \(after)")
    }

    @Test func seededTrainingRepeatsBitForBitAndArchivesRoundTrip() throws {
        let inputs: [[Float]] = [[0, 0], [0, 1], [1, 0], [1, 1]], labels: [Float] = [0, 1, 1, 0]
        let (first, _) = trainClassifier(inputs: inputs, labels: labels, hidden: 6, epochs: 50, seed: 9)
        let (second, _) = trainClassifier(inputs: inputs, labels: labels, hidden: 6, epochs: 50, seed: 9)
        let bytes = ParameterArchive.encode(first)
        #expect(bytes == ParameterArchive.encode(second), "same seed, same data -> same parameters")
        let (other, _) = trainClassifier(inputs: inputs, labels: labels, hidden: 6, epochs: 50, seed: 10)
        #expect(bytes != ParameterArchive.encode(other))

        let loaded: ParameterStore<Float> = try ParameterArchive.decode(bytes, name: "model.params")
        #expect(ParameterArchive.encode(loaded) == bytes, "save -> load -> save is byte-identical")
        try ParameterArchive.load(bytes, name: "model.params", into: other)
        #expect(ParameterArchive.encode(other) == bytes)

        var corrupt = bytes
        corrupt[20] ^= 0xFF
        #expect(throws: BinaryReader.Failure.self) { try ParameterArchive.decode(corrupt, name: "bad.params", as: Float.self) }
        #expect(throws: BinaryReader.Failure.self) { try ParameterArchive.decode(Array(bytes.prefix(30)), name: "cut.params", as: Float.self) }
        #expect(throws: BinaryReader.Failure.self) { try ParameterArchive.decode(bytes, name: "float.params", as: Double.self) }
        let mismatched = ParameterStore<Float>()
        mismatched.register("hidden.weight", .zeros([3, 6]))
        do {
            try ParameterArchive.load(bytes, name: "model.params", into: mismatched)
            Issue.record("a layout mismatch must be refused")
        } catch {
            #expect("\(error)".contains("model.params"))
        }
    }
}
