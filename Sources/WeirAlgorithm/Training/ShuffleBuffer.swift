import WeirMath

/// Shuffles a stream with bounded memory, as SageMaker's `ShuffleConfig` does for data that
/// does not fit: items fill a buffer of `capacity`, then each new item takes the place of a
/// random one, which is emitted. `finish` empties the buffer in random order.
public struct ShuffleBuffer<Element> {
    public let capacity: Int
    private var items: [Element] = []
    private var random: RandomSource

    public init(capacity: Int, seed: UInt64) {
        precondition(capacity > 0, "a shuffle buffer holds at least one item")
        self.capacity = capacity
        random = RandomSource(seed: seed)
        items.reserveCapacity(min(capacity, 1 << 16))
    }

    /// Adds an item; returns one to emit once the buffer is full.
    public mutating func add(_ item: Element) -> Element? {
        guard items.count == capacity else {
            items.append(item)
            return nil
        }
        let slot = random.uniformInt(below: capacity)
        let out = items[slot]
        items[slot] = item
        return out
    }

    /// The remaining items, in random order.
    public mutating func finish() -> [Element] {
        random.shuffle(&items)
        defer { items.removeAll() }
        return items
    }
}
