/// SplitMix64: a small deterministic generator, so that a case is named by its target,
/// campaign seed and iteration and can be replayed alone (`weir-fuzz --only`).
public struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// The generator of one case: independent of how many numbers earlier cases drew.
    public static func forCase(target: String, seed: UInt64, iteration: Int) -> FuzzRandom {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in target.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var random = FuzzRandom(seed: hash ^ seed &* 0x9E37_79B9 ^ UInt64(truncatingIfNeeded: iteration))
        _ = random.next()
        return random
    }
}
