/// Weir's seeded random number generator: xoshiro256** (Blackman and Vigna), with its
/// state filled from the seed by SplitMix64, as the authors recommend. It uses only
/// integer arithmetic, so one seed gives the same bits on every machine; the samplers
/// built on it (`Distributions`) add only IEEE-exact operations and libm's exp, log, sqrt.
public struct RandomSource: RandomNumberGenerator, Sendable, Equatable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator restored from `stateWords` (see `stateWords`), for model snapshots.
    public init(stateWords: [UInt64]) {
        precondition(stateWords.count == 4 && stateWords.contains { $0 != 0 }, "a xoshiro256** state is four words, not all zero")
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
    }

    /// The whole state, so that a snapshot can resume the exact sequence.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public static func == (lhs: RandomSource, rhs: RandomSource) -> Bool { lhs.stateWords == rhs.stateWords }

    /// Inlinable: samplers in other modules draw millions of numbers per second.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    /// An independent generator for a sub-task (one per tree, per worker): seeded from this
    /// one's output, so the family of streams is still determined by the first seed.
    public mutating func split() -> RandomSource {
        RandomSource(seed: next())
    }

    @inlinable
    func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }
}
