import WeirCore

/// Remembers which entities the model was trained on, in a Bloom filter of 16 bits per
/// entity vector (about 0.05% false "seen" answers when `num_entity_vectors` is twice the
/// number of entities, as SageMaker recommends). Entities share embedding rows through
/// hashing, so without it an unseen entity would get another entity's (or an untrained)
/// vector and a meaningless score.
public struct EntityFilter: Sendable, Equatable {
    static let hashCount = 8
    public private(set) var words: [UInt64]
    /// Insertions that set at least one new bit: the distinct entities, less the rare ones
    /// whose bits others had all set already.
    public private(set) var insertedCount: Int = 0

    public init(entityVectors: Int) {
        words = [UInt64](repeating: 0, count: max(1, (entityVectors * 16 + 63) / 64))
    }

    init(words: [UInt64], insertedCount: Int) {
        self.words = words
        self.insertedCount = insertedCount
    }

    public mutating func insert(_ key: EntityKey) {
        let bitCount = UInt64(words.count * 64)
        var inserted = false
        forEachBit(of: key, bitCount: bitCount) { bit in
            let mask: UInt64 = 1 << (bit & 63)
            if words[Int(bit >> 6)] & mask == 0 { inserted = true }
            words[Int(bit >> 6)] |= mask
        }
        if inserted { insertedCount += 1 }
    }

    public func contains(_ key: EntityKey) -> Bool {
        let bitCount = UInt64(words.count * 64)
        var all = true
        forEachBit(of: key, bitCount: bitCount) { bit in
            if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { all = false }
        }
        return all
    }

    /// Double hashing (Kirsch-Mitzenmacher) from two independent 64-bit hashes.
    @inline(__always)
    private func forEachBit(of key: EntityKey, bitCount: UInt64, _ body: (UInt64) -> Void) {
        let first = IPPrefixBuckets.mix(key.hash ^ 0x5851_F42D_4C95_7F2D)
        let second = IPPrefixBuckets.mix(key.hash ^ 0x1405_7B7E_F767_814F) | 1
        for index in 0..<UInt64(Self.hashCount) {
            body((first &+ index &* second) % bitCount)
        }
    }
}

/// An entity identifier reduced to a stable 64-bit hash: it picks the entity's embedding
/// row and its Bloom filter bits.
public struct EntityKey: Sendable, Hashable {
    public let hash: UInt64

    public init(_ entity: some StringProtocol) {
        hash = FNV1a.hash(entity.utf8)
    }

    public init(utf8: UnsafeBufferPointer<UInt8>) {
        hash = FNV1a.hash(utf8)
    }

    /// The embedding row among `rowCount` rows.
    @inline(__always)
    public func row(of rowCount: Int) -> Int32 {
        Int32(truncatingIfNeeded: IPPrefixBuckets.mix(hash).multipliedFullWidth(by: UInt64(rowCount)).high)
    }
}
