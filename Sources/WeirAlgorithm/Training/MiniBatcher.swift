/// Groups a stream of rows into mini-batches of a fixed size (the last one may be shorter).
public struct MiniBatcher<Element> {
    public let size: Int
    private var pending: [Element] = []

    public init(size: Int) {
        precondition(size > 0, "a mini-batch holds at least one row")
        self.size = size
        pending.reserveCapacity(size)
    }

    /// Adds a row; returns a full batch when this row completes one.
    public mutating func add(_ item: Element) -> [Element]? {
        pending.append(item)
        guard pending.count == size else { return nil }
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// The last, partial batch (nil when empty).
    public mutating func finish() -> [Element]? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return pending
    }
}
