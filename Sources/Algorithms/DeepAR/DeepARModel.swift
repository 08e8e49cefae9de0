#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeirCore
import WeirMath

/// One training or forecasting series: values (NaN where missing) from `start` at the
/// model's frequency, its category indices and dynamic features (covering the forecast
/// horizon too when used for forecasting).
public struct DeepARSeries: Sendable, Equatable {
    public var start: Int64
    public var values: [Double]
    public var categories: [Int]
    public var dynamicFeatures: [[Double]]

    public init(start: Int64, values: [Double], categories: [Int] = [], dynamicFeatures: [[Double]] = []) {
        self.start = start
        self.values = values
        self.categories = categories
        self.dynamicFeatures = dynamicFeatures
    }
}

/// DeepAR (Salinas et al.): trains one network over many series on windows of
/// `context_length + prediction_length` steps sampled across series, with the
/// likelihood's negative log-likelihood of every observed value as the loss (missing
/// values are masked), and forecasts by ancestral sampling: the context is read with the
/// true values, then each step's sample feeds the next step's lags.
public final class DeepARModel {
    public let configuration: DeepARConfiguration
    public let network: DeepARNetwork
    let lags: [Int]
    let numericWidth: Int

    public init(_ configuration: DeepARConfiguration, seed: UInt64) {
        self.configuration = configuration
        network = DeepARNetwork(configuration, seed: seed)
        lags = configuration.lags
        numericWidth = configuration.inputSize - configuration.cardinality.count * configuration.embeddingDimension
    }

    /// The scale of a window: the mean absolute observed value of its context (1 when it
    /// has none, or for the beta likelihood).
    func scale(_ value: (Int) -> Double?, context: Range<Int>) -> Float {
        guard configuration.likelihood != .beta else { return 1 }
        var sum = 0.0, count = 0
        for index in context {
            if let observed = value(index) { sum += Swift.abs(observed); count += 1 }
        }
        guard count > 0, sum > 0 else { return 1 }
        return Float(sum / Double(count))
    }

    /// The date features of step `index` of a series.
    func dateFeatures(at index: Int, of series: DeepARSeries) -> [Double] {
        configuration.frequency.features(at: configuration.frequency.advance(series.start, by: index))
    }

    /// The numeric inputs at `index` of a series: scaled lags (0 where missing), date
    /// features (`dates`, from `dateFeatures(at:of:)`), age, dynamic features and the log scale.
    func numericInputs(at index: Int, of series: DeepARSeries, dates: [Double], value: (Int) -> Double?, scale: Float,
                       into row: inout [Float]) {
        row.removeAll(keepingCapacity: true)
        for lag in lags { row.append(value(index - lag).map { Float($0) / scale } ?? 0) }
        for feature in dates { row.append(Float(feature)) }
        row.append(Float(log10(2 + Double(Swift.max(index, 0)))))
        for feature in 0..<configuration.dynamicFeatures {
            let values = feature < series.dynamicFeatures.count ? series.dynamicFeatures[feature] : []
            row.append(index >= 0 && index < values.count && values[index].isFinite ? Float(values[index]) : 0)
        }
        row.append(logf(scale))
    }

    static func observed(_ series: DeepARSeries, _ index: Int) -> Double? {
        guard index >= 0, index < series.values.count, series.values[index].isFinite else { return nil }
        return series.values[index]
    }

    /// The mean loss of windows starting at `starts[i]` of `series[i]` (each
    /// `context + prediction` steps), on `parameters`' tape.
    func loss(series: [DeepARSeries], starts: [Int], _ parameters: BoundParameters<Float>, random: inout RandomSource) -> Variable<Float> {
        let batch = series.count
        let length = configuration.contextLength + configuration.predictionLength
        var scales = [Float](repeating: 1, count: batch)
        for row in 0..<batch {
            scales[row] = scale({ Self.observed(series[row], $0) }, context: starts[row]..<(starts[row] + configuration.contextLength))
        }
        var numeric: [Tensor<Float>] = []
        var observations = [Float](repeating: 0, count: length * batch)
        var mask = [Float](repeating: 0, count: length * batch)
        var row: [Float] = []
        var step: [Float] = []
        for position in 0..<length {
            step.removeAll(keepingCapacity: true)
            for item in 0..<batch {
                let index = starts[item] + position
                numericInputs(at: index, of: series[item], dates: dateFeatures(at: index, of: series[item]),
                              value: { Self.observed(series[item], $0) }, scale: scales[item], into: &row)
                step += row
                if let value = Self.observed(series[item], index) {
                    observations[position * batch + item] = configuration.likelihood.usesScaledValues ? Float(value) / scales[item] : Float(value)
                    mask[position * batch + item] = 1
                }
            }
            numeric.append(Tensor(shape: [batch, numericWidth], scalars: step))
        }
        var state = network.lstm.zeroState(batch: batch, on: parameters.tape)
        let outputs = network.lstm(network.inputs(numeric, categories: series.map(\.categories), parameters), state: &state, parameters,
                                   regularization: network.regularization, random: &random)
        let hidden = Variable.concatenate(outputs, axis: 0)
        let scaleColumn = Tensor(shape: [length * batch, 1], scalars: (0..<(length * batch)).map { scales[$0 % batch] })
        let distribution = network.distribution(hidden, scale: scaleColumn, parameters)
        let maskTensor = Tensor(shape: [length * batch, 1], scalars: mask)
        let observed = Swift.max(mask.reduce(0, +), 1)
        return -(distribution.logProbability(Tensor(shape: [length * batch, 1], scalars: observations)).masked(by: maskTensor).sum() / observed)
    }

    /// Every window start a series offers: windows lie inside the series, except that a
    /// series shorter than a window gives one window that begins before it (the missing
    /// steps are masked).
    static func windowStarts(_ series: DeepARSeries, context: Int, prediction: Int) -> ClosedRange<Int>? {
        guard !series.values.isEmpty else { return nil }
        let last = series.values.count - context - prediction
        return last >= 0 ? 0...last : last...last
    }

    /// Where training stands between epochs: the random state, the optimizer's moments and
    /// the epoch losses so far (the parameters are the network's). Training handed it goes
    /// on as if it had never stopped.
    public struct TrainingProgress {
        public var random: RandomSource
        public var adam: Adam<Float>
        public var losses: [Double]

        public init(seed: UInt64, learningRate: Double) {
            random = RandomSource(seed: seed)
            adam = Adam<Float>(learningRate: learningRate)
            losses = []
        }
    }

    /// Trains for `epochs` epochs from the start, to the end.
    @discardableResult
    public func train(_ series: [DeepARSeries], epochs: Int, batchesPerEpoch: Int = 50, batchSize: Int = 32, learningRate: Double = 1e-3,
                      seed: UInt64) -> [Double] {
        train(series, epochs: epochs, batchesPerEpoch: batchesPerEpoch, batchSize: batchSize, learningRate: learningRate, seed: seed,
              progress: nil) { _, _, _ in true }
    }

    /// Trains for `epochs` of `batchesPerEpoch` batches of `batchSize` windows, with Adam
    /// and gradients clipped to a global norm of 10, from `progress` (a fresh start by
    /// default) until the epochs are done or `epochEnded` (given the epoch, its loss and
    /// the progress after it) says stop; returns each epoch's mean loss.
    @discardableResult
    public func train(_ series: [DeepARSeries], epochs: Int, batchesPerEpoch: Int = 50, batchSize: Int = 32, learningRate: Double = 1e-3,
                      seed: UInt64, progress start: TrainingProgress? = nil,
                      epochEnded: (Int, Double, TrainingProgress) throws -> Bool) rethrows -> [Double] {
        precondition(!series.isEmpty, "DeepAR needs at least one series")
        var progress = start ?? TrainingProgress(seed: seed, learningRate: learningRate)
        // Series weighted by how many windows they hold, as GluonTS's expected-instance sampler does.
        let ranges = series.map { Self.windowStarts($0, context: configuration.contextLength, prediction: configuration.predictionLength) }
        let weights = ranges.map { range -> Double in range.map { Double($0.count) } ?? 0 }
        for epoch in progress.losses.count..<max(epochs, progress.losses.count) {
            var total = 0.0
            for _ in 0..<batchesPerEpoch {
                var chosen: [DeepARSeries] = [], starts: [Int] = []
                for _ in 0..<batchSize {
                    let index = progress.random.categorical(weights)
                    let range = ranges[index]!
                    chosen.append(series[index])
                    starts.append(range.lowerBound + progress.random.uniformInt(below: range.count))
                }
                var masks = progress.random.split()
                let (loss, gradients) = network.store.lossAndGradients { parameters in
                    self.loss(series: chosen, starts: starts, parameters, random: &masks)
                }
                progress.adam.step(network.store, GradientClipping.clipByGlobalNorm(gradients, maximum: 10))
                total += Double(loss)
            }
            let epochLoss = total / Double(batchesPerEpoch)
            progress.losses.append(epochLoss)
            guard try epochEnded(epoch, epochLoss, progress) else { break }
        }
        return progress.losses
    }

    /// `samples` sample paths of the next `prediction_length` values after the end of
    /// `series.values`, in the series' units: [samples][prediction_length].
    public func forecast(_ series: DeepARSeries, samples: Int, seed: UInt64) -> [[Double]] {
        let context = configuration.contextLength, horizon = configuration.predictionLength
        let end = series.values.count
        let tape = GradientTape<Float>()
        let parameters = network.store.bind(to: tape)
        var random = RandomSource(seed: seed)
        let windowScale = scale({ Self.observed(series, $0) }, context: (end - context)..<end)
        var row: [Float] = []
        // Read the context with the true values.
        var steps: [Tensor<Float>] = []
        for index in (end - context)..<end {
            numericInputs(at: index, of: series, dates: dateFeatures(at: index, of: series), value: { Self.observed(series, $0) },
                          scale: windowScale, into: &row)
            steps.append(Tensor(shape: [1, numericWidth], scalars: row))
        }
        var state = network.lstm.zeroState(batch: 1, on: tape)
        _ = network.lstm(network.inputs(steps, categories: [series.categories], parameters), state: &state, parameters, random: &random)
        // Then sample: every path starts from the context's state.
        let copies = [Int](repeating: 0, count: samples)
        state = RecurrentState(hidden: state.hidden.map { $0.gatherRows(copies) }, cell: state.cell.map { $0.gatherRows(copies) })
        var paths = [[Double]](repeating: [], count: samples)
        let usesScaled = configuration.likelihood.usesScaledValues
        for step in 0..<horizon {
            let index = end + step
            let dates = dateFeatures(at: index, of: series) // the same for every path
            var inputs: [Float] = []
            inputs.reserveCapacity(samples * numericWidth)
            for path in 0..<samples {
                numericInputs(at: index, of: series, dates: dates, value: { position in
                    position >= end ? paths[path][position - end] : Self.observed(series, position)
                }, scale: windowScale, into: &row)
                inputs += row
            }
            let x = network.inputs([Tensor(shape: [samples, numericWidth], scalars: inputs)],
                                   categories: [[Int]](repeating: series.categories, count: samples), parameters)[0]
            let hidden = network.lstm.step(x, state: &state, parameters, random: &random)
            let distribution = network.distribution(hidden, scale: Tensor(shape: [samples, 1], repeating: windowScale), parameters)
            let drawn = distribution.sample(random: &random).scalars
            for path in 0..<samples {
                let value = Double(drawn[path]) * (usesScaled ? Double(windowScale) : 1)
                paths[path].append(value)
            }
        }
        return paths
    }
}

extension DeepARModel {
    /// Whether every parameter is finite (a diverged run is not served).
    public var hasFiniteValues: Bool {
        network.store.keys.allSatisfy { network.store[$0].scalars.allSatisfy(\.isFinite) }
    }

    static let magic = Array("WEIRDAR1".utf8)

    /// The model as bytes: its configuration, then the network's parameters.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 1 << 16)
        writer.append(raw: Self.magic)
        writer.write(string: configuration.frequency.description)
        for value in [configuration.contextLength, configuration.predictionLength, configuration.cells, configuration.layers,
                      configuration.embeddingDimension, configuration.dynamicFeatures] {
            writer.write(UInt32(value))
        }
        writer.write(string: configuration.likelihood.rawValue)
        writer.write(configuration.dropoutRate)
        writer.write(array: configuration.cardinality.map { UInt32($0) })
        writer.write(bytes: ParameterArchive.encode(network.store))
        return writer.bytes
    }

    /// Reads `encoded()` bytes; errors name `name` and what is wrong.
    public convenience init(encoded bytes: [UInt8], name: String) throws {
        var reader = BinaryReader(bytes, name: name)
        guard try reader.readBytes(count: 8) == Self.magic else { throw reader.error("not a DeepAR model (expected the WEIRDAR1 header)") }
        let frequencyText = try reader.readString()
        guard let frequency = TimeFrequency(frequencyText) else { throw reader.error("unknown frequency '\(frequencyText)'") }
        var numbers: [Int] = []
        for _ in 0..<6 { numbers.append(Int(try reader.read(UInt32.self))) }
        var configuration = DeepARConfiguration(frequency: frequency, contextLength: numbers[0], predictionLength: numbers[1])
        configuration.cells = numbers[2]
        configuration.layers = numbers[3]
        configuration.embeddingDimension = numbers[4]
        configuration.dynamicFeatures = numbers[5]
        let likelihood = try reader.readString()
        guard let kind = DeepARConfiguration.LikelihoodKind(rawValue: likelihood) else { throw reader.error("unknown likelihood '\(likelihood)'") }
        configuration.likelihood = kind
        configuration.dropoutRate = try reader.readDouble()
        configuration.cardinality = try reader.readArray(of: UInt32.self).map(Int.init)
        // Every size is bounded as training bounds it, before the network is allocated from them.
        guard (1...10_000).contains(configuration.contextLength), (1...10_000).contains(configuration.predictionLength),
              (1...4_096).contains(configuration.cells), (1...64).contains(configuration.layers),
              (1...50).contains(configuration.embeddingDimension), (0...10_000).contains(configuration.dynamicFeatures),
              configuration.cardinality.count <= 1_000, configuration.cardinality.allSatisfy({ (1...10_000_000).contains($0) }),
              configuration.dropoutRate.isFinite, (0...1).contains(configuration.dropoutRate) else {
            throw reader.error("implausible configuration")
        }
        let parameters = try reader.readBytes()
        try reader.expectEnd()
        // The embeddings alone need this many bytes in the archive: a file cannot ask for more memory than it holds.
        let embeddingBytes = configuration.cardinality.reduce(0, +) * configuration.embeddingDimension * MemoryLayout<Float>.size
        guard embeddingBytes <= parameters.count else {
            throw reader.error("the cardinality \(configuration.cardinality) needs \(embeddingBytes) bytes of embeddings; the archive holds \(parameters.count)")
        }
        self.init(configuration, seed: 0)
        try ParameterArchive.load(parameters, name: name, into: network.store)
    }
}
