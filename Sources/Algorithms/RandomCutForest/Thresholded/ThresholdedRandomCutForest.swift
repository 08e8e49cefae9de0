import WeirCore

/// A random cut forest with everything a stream of measurements needs around it: input
/// transforms, shingling, missing-value and gap imputation, an adaptive score threshold,
/// anomaly grades, the start of an anomaly and the values expected in its place.
///
/// Two shingles are kept. The forest learns from the shingles of the values as they came;
/// scoring uses shingles in which the values of reported anomalies are replaced by what
/// was expected, so an anomaly is reported once (not again while it moves through the
/// shingle) and a second anomaly right after it is judged against clean history.
public final class ThresholdedRandomCutForest {
    public enum ForestMode: String, Sendable, CaseIterable {
        /// Values only.
        case standard
        /// The time since the previous input (relative to the usual interval) is one more
        /// dimension, so a value arriving at an unusual time can be anomalous.
        case timeAugmented = "time_augmented"
        /// Inputs that the timestamps show are missing are filled in before each input.
        case streamingImpute = "streaming_impute"
    }

    public enum ImputationMethod: Sendable, Equatable {
        /// The last value seen.
        case previous
        /// For gaps, on the line from the last value to the next; a missing value in an
        /// input (no next value yet) takes the last value.
        case linear
        case zero
        case fixed([Double])
        /// The value the forest finds most typical given the rest of the shingle.
        case forest
    }

    /// Which forest score is thresholded.
    public enum Scoring: String, Sendable, CaseIterable {
        /// The AWS library's normalised expected inverse depth (~0.7-0.9 typical, 3+ clear).
        case expectedDepth = "expected_depth"
        /// Displacement (rrcf's CoDisp scale: sample points pushed aside). Thresholds are in
        /// the same units, so `absoluteThreshold` and `initialThreshold` should be set to match.
        case displacement
    }

    public struct Configuration: Sendable, Equatable {
        /// Values per input.
        public var inputDimensions: Int
        public var shingleSize = 4
        public var numberOfTrees = 50
        public var sampleSize = 256
        /// See `RandomCutForest.Configuration.boundingBoxCacheFraction`.
        public var boundingBoxCacheFraction = 1.0
        /// λ of the samplers (1 / (10 × sampleSize) by default).
        public var timeDecay: Double?
        public var outputAfter: Int?
        public var seed: UInt64 = 0
        public var transform = TransformMethod.none
        public var scoring = Scoring.expectedDepth
        /// Discount of the transform's statistics (1 / sampleSize by default).
        public var transformDecay: Double?
        public var forestMode = ForestMode.standard
        public var imputation = ImputationMethod.previous
        public var thresholds = ScoreThresholder.Settings()
        /// An anomaly is not reported when every value lies within this distance of its
        /// expected value, in input units (one number for all dimensions or one each).
        public var ignoreNearExpectedAbsolute: [Double] = [0]
        /// ... or within this fraction of the expected value's magnitude.
        public var ignoreNearExpectedRelative = 0.0
        /// ... or within this many standard deviations of the series' own noise (estimated
        /// from second differences, see `InputTransformer.noiseDeviation`): a deviation the
        /// noise explains is not an anomaly, which keeps nearly constant series from raising
        /// alarms over wiggles that only look large to a scale-free forest.
        public var ignoreNearExpectedNoiseFactor = 3.0
        /// Attribution for every scored input rather than only for anomalies.
        public var attributeEveryInput = false

        public init(inputDimensions: Int) {
            self.inputDimensions = inputDimensions
        }

        /// Values per shingle slot: the inputs, plus the time dimension when time-augmented.
        public var baseDimensions: Int { inputDimensions + (forestMode == .timeAugmented ? 1 : 0) }

        /// A reason the configuration cannot work, or nil.
        public func problem() -> String? {
            if inputDimensions < 1 { return "an input needs at least one value" }
            if shingleSize < 1 { return "shingle_size must be at least 1, got \(shingleSize)" }
            if numberOfTrees < 1 { return "num_trees must be at least 1, got \(numberOfTrees)" }
            if sampleSize < 2 { return "sample_size must be at least 2, got \(sampleSize)" }
            if !(boundingBoxCacheFraction >= 0 && boundingBoxCacheFraction <= 1) {
                return "bounding_box_cache_fraction must be in [0, 1], got \(boundingBoxCacheFraction)"
            }
            if let decay = timeDecay, !(decay >= 0 && decay < 1) { return "time_decay must be in [0, 1), got \(decay)" }
            if let decay = transformDecay, !(decay > 0 && decay < 1) { return "transform_decay must be in (0, 1), got \(decay)" }
            if case .fixed(let values) = imputation, values.count != inputDimensions {
                return "fixed imputation needs \(inputDimensions) values, got \(values.count)"
            }
            if ignoreNearExpectedAbsolute.count != 1 && ignoreNearExpectedAbsolute.count != inputDimensions {
                return "ignore_near_expected needs 1 or \(inputDimensions) values, got \(ignoreNearExpectedAbsolute.count)"
            }
            if ignoreNearExpectedAbsolute.contains(where: { !($0 >= 0) }) || !(ignoreNearExpectedRelative >= 0) || !(ignoreNearExpectedNoiseFactor >= 0) {
                return "ignore-near-expected tolerances must be non-negative"
            }
            return thresholds.problem()
        }
    }

    /// One shingle slot: what the forest saw (`base`), what scoring uses in its place
    /// (`corrected`), the input values, and the transform that maps one to the other.
    struct Slot: Sendable, Equatable {
        var base: [Float]
        var corrected: [Float]
        var values: [Double]
        var offset: [Double]
        var scale: [Double]
    }

    public let configuration: Configuration
    public let forest: RandomCutForest
    public private(set) var thresholder: ScoreThresholder
    public private(set) var transformer: InputTransformer
    /// The previous shingleSize − 1 slots, oldest first.
    private var history: [Slot] = []
    public private(set) var inputs: Int64 = 0
    private var lastTimestamp: Int64?
    /// Discounted mean interval between timestamps.
    private var meanInterval = 0.0
    private var intervalWeight = 0.0
    /// Consecutive scored inputs at or above the threshold, and the highest score among them.
    private var runLength = 0
    private var runPeak = 0.0
    /// Scored inputs below the threshold since the run's last input above it.
    private var quietInputs = 0

    public static let magic = Array("WEIRTRCF".utf8)
    public static let stateVersion: UInt16 = 1

    public init(_ configuration: Configuration) {
        precondition(configuration.problem() == nil, configuration.problem() ?? "")
        self.configuration = configuration
        var forestConfiguration = RandomCutForest.Configuration(dimensions: configuration.baseDimensions * configuration.shingleSize)
        forestConfiguration.numberOfTrees = configuration.numberOfTrees
        forestConfiguration.sampleSize = configuration.sampleSize
        forestConfiguration.timeDecay = configuration.timeDecay
        forestConfiguration.outputAfter = configuration.outputAfter
        forestConfiguration.seed = configuration.seed
        forestConfiguration.boundingBoxCacheFraction = configuration.boundingBoxCacheFraction
        // Consecutive updates are consecutive shingles: store only each one's new slot.
        forestConfiguration.externalShingleStep = configuration.shingleSize > 1 ? configuration.baseDimensions : nil
        forest = RandomCutForest(forestConfiguration)
        var thresholds = configuration.thresholds
        thresholds.decay = configuration.timeDecay ?? 1 / (10 * Double(configuration.sampleSize))
        thresholder = ScoreThresholder(thresholds)
        transformer = InputTransformer(method: configuration.transform, dimensions: configuration.inputDimensions,
                                       decay: configuration.transformDecay ?? 1 / Double(configuration.sampleSize))
    }

    /// A detector around an already trained forest (from `weir train randomcutforest`, say):
    /// the forest's dimensions must be the configuration's base dimensions times its
    /// shingle size, and it must not shingle internally. The forest keeps learning.
    public convenience init(_ configuration: Configuration, seededWith forest: RandomCutForest) throws(BinaryReader.Failure) {
        let copy = forest.copy()
        guard copy.configuration.dimensions == configuration.baseDimensions * configuration.shingleSize, copy.shingle == nil else {
            throw BinaryReader(Array(), name: "seed forest").error(
                "the forest has \(copy.configuration.dimensions) dimensions\(copy.shingle == nil ? "" : " and shingles internally"); "
                    + "expected \(configuration.baseDimensions * configuration.shingleSize) without internal shingling")
        }
        var thresholds = configuration.thresholds
        thresholds.decay = copy.timeDecay
        self.init(configuration: configuration, forest: copy, thresholder: ScoreThresholder(thresholds),
                  transformer: InputTransformer(method: configuration.transform, dimensions: configuration.inputDimensions,
                                                decay: configuration.transformDecay ?? 1 / Double(configuration.sampleSize)))
    }

    private init(configuration: Configuration, forest: RandomCutForest, thresholder: ScoreThresholder, transformer: InputTransformer) {
        self.configuration = configuration
        self.forest = forest
        self.thresholder = thresholder
        self.transformer = transformer
    }

    private var baseDimensions: Int { configuration.baseDimensions }

    /// Processes one input (NaN or an infinity marks a missing value) and says whether it
    /// is anomalous.
    /// `timestamp` is required by the time-augmented and streaming-impute modes.
    public func process(_ values: [Double], timestamp: Int64? = nil) -> AnomalyDescriptor {
        precondition(values.count == configuration.inputDimensions,
                     "an input of \(values.count) values for a forest of \(configuration.inputDimensions)")
        var filled = 0
        if configuration.forestMode == .streamingImpute, let timestamp, let last = lastTimestamp, meanInterval > 0 {
            // In doubles: any two Int64 times, however far apart, give a finite gap.
            let steps = ((Double(timestamp) - Double(last)) / meanInterval).rounded() - 1
            // At most one shingle's worth: enough to bring the shingle up to date.
            filled = steps.isFinite ? Int(max(0, min(steps, Double(configuration.shingleSize)))) : 0
            for step in 0..<filled {
                let fraction = Double(step + 1) / (steps + 1)
                let gap = gapValues(towards: values, fraction: fraction)
                let offset = Int64(exactly: (Double(step + 1) * meanInterval).rounded())
                let at = offset.flatMap { offset in
                    let (sum, overflow) = last.addingReportingOverflow(offset)
                    return overflow ? nil : sum
                } ?? timestamp
                _ = advance(gap, timestamp: at, scoring: false)
            }
        }
        var descriptor = advance(values, timestamp: timestamp, scoring: true)
        descriptor.filledGaps = filled
        return descriptor
    }

    /// The value of a skipped input, a `fraction` of the way from the last input to `next`.
    private func gapValues(towards next: [Double], fraction: Double) -> [Double] {
        let last = transformer.previousValues
        switch configuration.imputation {
        case .previous: return last
        case .zero: return Array(repeating: 0, count: configuration.inputDimensions)
        case .fixed(let values): return values
        case .linear:
            return (0..<next.count).map { !next[$0].isFinite ? last[$0] : last[$0] + (next[$0] - last[$0]) * fraction }
        case .forest: return Array(repeating: .nan, count: configuration.inputDimensions)
        }
    }

    /// One step: fill missing values, transform, score (when `scoring`), grade, learn.
    private func advance(_ raw: [Double], timestamp: Int64?, scoring: Bool) -> AnomalyDescriptor {
        let index = inputs
        inputs += 1
        let interval = observeTime(timestamp)
        var values = raw
        // Infinite values are as unusable as missing ones: both are filled in.
        let missing = values.map { !$0.isFinite }
        let imputed = missing.contains(true)
        if imputed { values = fillMissing(values, missing: missing, interval: interval) }
        let (inputBase, offset, scale) = transformer.forward(values)
        var base = inputBase
        if configuration.forestMode == .timeAugmented { base.append(Float(interval)) }
        var descriptor = AnomalyDescriptor(index: index, timestamp: timestamp, score: 0, grade: 0,
                                           threshold: thresholder.threshold, imputed: imputed, ready: false)
        var slot = Slot(base: base, corrected: base, values: values, offset: offset, scale: scale)
        if history.count == configuration.shingleSize - 1 {
            let scoringPoint = shingle(corrected: true, ending: base)
            if scoring && forest.isReady {
                descriptor.ready = true
                descriptor.score = configuration.scoring == .displacement
                    ? forest.displacementScore(scoringPoint) : forest.score(scoringPoint)
                descriptor.grade = thresholder.grade(descriptor.score)
                followRun(&descriptor)
                if descriptor.grade > 0 || configuration.attributeEveryInput {
                    explain(scoringPoint, slot: &slot, into: &descriptor)
                }
                thresholder.update(descriptor.score)
            }
            forest.update(shingle(corrected: false, ending: base))
        }
        transformer.update(values)
        history.append(slot)
        if history.count > configuration.shingleSize - 1 { history.removeFirst() }
        return descriptor
    }

    /// Anomalies that persist are a change of regime, not a string of separate events. A
    /// run is a stretch of scores at or above the threshold with gaps shorter than a
    /// shingle; once a run holds more inputs than a shingle, the scoring shingle returns to
    /// the values as seen (so it follows the new regime) and further inputs of the run are
    /// reported only when their score climbs a deviation above the run's peak. Shorter runs
    /// are reported input by input, so an anomaly right after another is not missed.
    private func followRun(_ descriptor: inout AnomalyDescriptor) {
        guard descriptor.score >= descriptor.threshold else {
            quietInputs += 1
            if quietInputs >= configuration.shingleSize {
                runLength = 0
                runPeak = 0
            }
            return
        }
        quietInputs = 0
        runLength += 1
        defer { runPeak = max(runPeak, descriptor.score) }
        guard runLength > configuration.shingleSize else { return }
        if runLength == configuration.shingleSize + 1 {
            for index in history.indices { history[index].corrected = history[index].base }
        }
        if descriptor.score <= runPeak + thresholder.deviation { descriptor.grade = 0 }
    }

    /// The history's slots (as corrected, or as seen) followed by `last`, in one
    /// allocation: this runs twice per input.
    private func shingle(corrected: Bool, ending last: [Float]) -> [Float] {
        var point: [Float] = []
        point.reserveCapacity((history.count + 1) * baseDimensions)
        for slot in history { point.append(contentsOf: corrected ? slot.corrected : slot.base) }
        point.append(contentsOf: last)
        return point
    }

    /// Tracks the usual interval between timestamps; returns this input's interval relative
    /// to it (1 when regular or without timestamps).
    private func observeTime(_ timestamp: Int64?) -> Double {
        guard let timestamp else { return 1 }
        defer { lastTimestamp = timestamp }
        guard let last = lastTimestamp else { return 1 }
        let delta = Double(timestamp) - Double(last)
        let relative = meanInterval > 0 ? delta / meanInterval : 1
        guard delta > 0 else { return relative }
        let keep = 1 - (configuration.transformDecay ?? 1 / Double(configuration.sampleSize))
        intervalWeight = keep * intervalWeight + 1
        // Gaps the stream-impute mode fills do not stretch the usual interval.
        if meanInterval == 0 || relative < 1.5 { meanInterval += (delta - meanInterval) / intervalWeight }
        return relative
    }

    /// `values` with each missing value filled by the configured method.
    private func fillMissing(_ values: [Double], missing: [Bool], interval: Double) -> [Double] {
        var result = values
        switch configuration.imputation {
        case .previous, .linear:
            for d in 0..<values.count where missing[d] { result[d] = transformer.previousValues[d] }
        case .zero:
            for d in 0..<values.count where missing[d] { result[d] = 0 }
        case .fixed(let fixed):
            for d in 0..<values.count where missing[d] { result[d] = fixed[d] }
        case .forest:
            let (base, offset, scale) = transformer.forward(values)
            var slotBase = base.enumerated().map { missing[$0.offset] ? Float.nan : $0.element }
            if configuration.forestMode == .timeAugmented { slotBase.append(Float(interval)) }
            guard history.count == configuration.shingleSize - 1, forest.isReady else {
                for d in 0..<values.count where missing[d] { result[d] = transformer.previousValues[d] }
                return result
            }
            let completed = forest.impute(shingle(corrected: true, ending: slotBase))
            let start = (configuration.shingleSize - 1) * baseDimensions
            for d in 0..<values.count where missing[d] { result[d] = Double(completed[start + d]) * scale[d] + offset[d] }
        }
        return result
    }

    /// For a scored input: attribution per input dimension, the slot the anomaly starts at,
    /// the values expected there, and suppression of anomalies within tolerance of them.
    /// A reported anomaly's slot is corrected to the expected values for later scoring.
    private func explain(_ point: [Float], slot current: inout Slot, into descriptor: inout AnomalyDescriptor) {
        let (high, low) = forest.attribution(point)
        let size = configuration.shingleSize, dims = baseDimensions, inputs = configuration.inputDimensions
        descriptor.attributionHigh = (0..<inputs).map { d in (0..<size).reduce(0) { $0 + high[$1 * dims + d] } }
        descriptor.attributionLow = (0..<inputs).map { d in (0..<size).reduce(0) { $0 + low[$1 * dims + d] } }
        guard descriptor.grade > 0 else { return }
        // The slot carrying most of the score is where the anomaly is.
        let shares = (0..<size).map { s in (0..<dims).reduce(0.0) { $0 + high[s * dims + $1] + low[s * dims + $1] } }
        var position = size - 1
        for s in 0..<size where shares[s] > shares[position] { position = s }
        var query = point
        for d in 0..<dims { query[position * dims + d] = .nan }
        let completed = forest.impute(query)
        let slot = position == size - 1 ? current : history[position]
        let expected = (0..<inputs).map { Double(completed[position * dims + $0]) * slot.scale[$0] + slot.offset[$0] }
        let absolute = configuration.ignoreNearExpectedAbsolute
        // How far the values lie beyond what their tolerance explains, in tolerances (the
        // largest over dimensions): 0 suppresses the anomaly, below 1 damps its grade, so a
        // barely significant deviation cannot carry a high grade.
        var excess = 0.0
        for d in 0..<inputs {
            let tolerance = max(absolute.count == 1 ? absolute[0] : absolute[d],
                                configuration.ignoreNearExpectedRelative * abs(expected[d]),
                                configuration.ignoreNearExpectedNoiseFactor * transformer.noiseDeviation[d])
            let deviation = abs(slot.values[d] - expected[d])
            excess = max(excess, tolerance > 0 ? (deviation - tolerance) / tolerance : (deviation > 0 ? 1 : 0))
        }
        if excess <= 0 {
            descriptor.grade = 0
            return
        }
        descriptor.grade *= min(1, excess)
        descriptor.relativeIndex = position - (size - 1)
        descriptor.expectedValues = expected
        descriptor.pastValues = slot.values
        let repaired = Array(completed[(position * dims)..<((position + 1) * dims)])
        if position == size - 1 { current.corrected = repaired } else { history[position].corrected = repaired }
    }

    /// The complete state (forest, thresholder, transform, shingle history, clock) in
    /// Weir's versioned binary form with a CRC-32; restoring continues the stream exactly.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: forest.memoryBytes + 4096)
        writer.append(raw: Self.magic)
        writer.write(Self.stateVersion)
        encodeConfiguration(into: &writer)
        thresholder.encode(into: &writer)
        transformer.encode(into: &writer)
        writer.write(UInt32(history.count))
        for slot in history {
            writer.write(floats: slot.base)
            writer.write(floats: slot.corrected)
            writer.write(doubles: slot.values)
            writer.write(doubles: slot.offset)
            writer.write(doubles: slot.scale)
        }
        writer.write(inputs)
        writer.write(UInt8(lastTimestamp == nil ? 0 : 1))
        writer.write(lastTimestamp ?? 0)
        writer.write(doubles: [meanInterval, intervalWeight, runPeak])
        writer.write(Int64(runLength))
        writer.write(Int64(quietInputs))
        writer.write(bytes: forest.encoded())
        writer.write(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    private func encodeConfiguration(into writer: inout BinaryWriter) {
        let c = configuration
        writer.write(UInt32(c.inputDimensions))
        writer.write(UInt32(c.shingleSize))
        writer.write(string: c.forestMode.rawValue)
        writer.write(string: c.scoring.rawValue)
        switch c.imputation {
        case .previous: writer.write(UInt8(0))
        case .linear: writer.write(UInt8(1))
        case .zero: writer.write(UInt8(2))
        case .fixed(let values):
            writer.write(UInt8(3))
            writer.write(doubles: values)
        case .forest: writer.write(UInt8(4))
        }
        writer.write(doubles: c.ignoreNearExpectedAbsolute)
        writer.write(doubles: [c.ignoreNearExpectedRelative, c.ignoreNearExpectedNoiseFactor])
        writer.write(UInt8(c.attributeEveryInput ? 1 : 0))
    }

    /// Restores a detector from `encoded()`; `name` labels errors.
    public convenience init(encoded bytes: [UInt8], name: String) throws(BinaryReader.Failure) {
        var reader = try BinaryReader.checkedBody(bytes, magic: Self.magic, name: name, what: "Weir thresholded forest state")
        let version: UInt16 = try reader.read()
        guard version == Self.stateVersion else { throw reader.error("unsupported detector state version \(version)") }
        var configuration = Configuration(inputDimensions: Int(try reader.read(UInt32.self)))
        configuration.shingleSize = Int(try reader.read(UInt32.self))
        let mode = try reader.readString()
        guard let forestMode = ForestMode(rawValue: mode) else { throw reader.error("unknown forest mode \(mode)") }
        configuration.forestMode = forestMode
        let scoring = try reader.readString()
        guard let scoringMode = Scoring(rawValue: scoring) else { throw reader.error("unknown scoring \(scoring)") }
        configuration.scoring = scoringMode
        switch try reader.read(UInt8.self) {
        case 0: configuration.imputation = .previous
        case 1: configuration.imputation = .linear
        case 2: configuration.imputation = .zero
        case 3: configuration.imputation = .fixed(try reader.readDoubles())
        case 4: configuration.imputation = .forest
        case let other: throw reader.error("unknown imputation method \(other)")
        }
        configuration.ignoreNearExpectedAbsolute = try reader.readDoubles()
        let tolerances = try reader.readDoubles()
        guard tolerances.count == 2 else { throw reader.error("expected 2 tolerances, found \(tolerances.count)") }
        configuration.ignoreNearExpectedRelative = tolerances[0]
        configuration.ignoreNearExpectedNoiseFactor = tolerances[1]
        configuration.attributeEveryInput = try reader.read(UInt8.self) == 1
        let thresholder = try ScoreThresholder(from: &reader)
        let transformer = try InputTransformer(from: &reader)
        var history: [Slot] = []
        for _ in 0..<(try reader.read(UInt32.self)) {
            history.append(Slot(base: try reader.readFloats(), corrected: try reader.readFloats(), values: try reader.readDoubles(),
                                offset: try reader.readDoubles(), scale: try reader.readDoubles()))
        }
        let inputs: Int64 = try reader.read()
        let hasTimestamp = try reader.read(UInt8.self) == 1
        let timestamp: Int64 = try reader.read()
        let clock = try reader.readDoubles()
        guard clock.count == 3 else { throw reader.error("expected 3 clock numbers, found \(clock.count)") }
        let runLength = Int(try reader.read(Int64.self))
        let quietInputs = Int(try reader.read(Int64.self))
        let forest = try RandomCutForest(encoded: try reader.readBytes(), name: name)
        try reader.expectEnd()
        configuration.transform = transformer.method
        configuration.transformDecay = transformer.decay
        configuration.thresholds = thresholder.settings
        configuration.numberOfTrees = forest.configuration.numberOfTrees
        configuration.sampleSize = forest.configuration.sampleSize
        configuration.timeDecay = forest.configuration.timeDecay
        configuration.outputAfter = forest.configuration.outputAfter
        configuration.seed = forest.configuration.seed
        configuration.boundingBoxCacheFraction = forest.configuration.boundingBoxCacheFraction
        if let problem = configuration.problem() { throw reader.error("invalid detector configuration: \(problem)") }
        let dims = configuration.baseDimensions
        guard forest.configuration.dimensions == dims * configuration.shingleSize,
              transformer.dimensions == configuration.inputDimensions, history.count < configuration.shingleSize,
              history.allSatisfy({ $0.base.count == dims && $0.corrected.count == dims && $0.values.count == configuration.inputDimensions
                  && $0.offset.count == configuration.inputDimensions && $0.scale.count == configuration.inputDimensions }) else {
            throw reader.error("the detector's parts do not fit together")
        }
        self.init(configuration: configuration, forest: forest, thresholder: thresholder, transformer: transformer)
        self.history = history
        self.inputs = inputs
        lastTimestamp = hasTimestamp ? timestamp : nil
        meanInterval = clock[0]
        intervalWeight = clock[1]
        runPeak = clock[2]
        self.runLength = runLength
        self.quietInputs = quietInputs
    }
}
