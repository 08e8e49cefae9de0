import WeirCore

/// Optimizer and random-generator state in training checkpoints: moments and step counts
/// as exact bit patterns, so training resumed from a checkpoint takes the very steps it
/// would have taken without stopping. Counts are checked against the bytes left before
/// anything is allocated.
extension BinaryWriter {
    public mutating func write(randomSource: RandomSource) {
        for word in randomSource.stateWords { write(word) }
    }
}

extension BinaryReader {
    /// Floats `write(floats:)` wrote, which must be `expectedCount` of them.
    public mutating func readFloats(expectedCount: Int) throws(Failure) -> [Float] {
        let values = try readFloats()
        guard values.count == expectedCount else { throw error("\(values.count) floats where \(expectedCount) were expected") }
        return values
    }

    public mutating func readRandomSource() throws(Failure) -> RandomSource {
        let words = [try read(UInt64.self), try read(UInt64.self), try read(UInt64.self), try read(UInt64.self)]
        guard words.contains(where: { $0 != 0 }) else { throw error("a random generator state of all zeros") }
        return RandomSource(stateWords: words)
    }
}

extension RowSparseAdam {
    /// The moments (the hyperparameters come from the job).
    public func encodeState(into writer: inout BinaryWriter) {
        writer.write(floats: first)
        writer.write(floats: second)
    }

    /// Restores moments `encodeState` wrote for a table of the same shape.
    public mutating func restoreState(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        let restoredFirst = try reader.readFloats(expectedCount: first.count)
        let restoredSecond = try reader.readFloats(expectedCount: second.count)
        first = restoredFirst
        second = restoredSecond
    }
}

extension Adam where Scalar == Float {
    /// The moments and step counts of every parameter (the hyperparameters come from the job).
    public func encodeState(into writer: inout BinaryWriter) {
        writer.write(UInt32(first.count))
        for index in first.indices {
            writer.write(floats: first[index])
            writer.write(floats: index < second.count ? second[index] : [])
            writer.write(Int64(index < steps.count ? steps[index] : 0))
        }
    }

    public mutating func restoreState(from reader: inout BinaryReader) throws(BinaryReader.Failure) {
        let count: UInt32 = try reader.read()
        guard Int(count) <= reader.remaining / 16 else { throw reader.error("truncated: \(count) optimizer slots announced") }
        var restoredFirst: [[Float]] = [], restoredSecond: [[Float]] = [], restoredSteps: [Int] = []
        for _ in 0..<Int(count) {
            let moments = try reader.readFloats()
            restoredFirst.append(moments)
            restoredSecond.append(try reader.readFloats(expectedCount: moments.count))
            let steps: Int64 = try reader.read()
            guard steps >= 0, let step = Int(exactly: steps) else { throw reader.error("a step count of \(steps)") }
            restoredSteps.append(step)
        }
        first = restoredFirst
        second = restoredSecond
        steps = restoredSteps
    }
}
