/// The best `capacity` (score, point) pairs seen, best first.
struct TopScores {
    let capacity: Int
    let smallerIsBetter: Bool
    private(set) var scores: [Float] = []
    private(set) var points: [Int] = []

    init(capacity: Int, smallerIsBetter: Bool) {
        self.capacity = capacity
        self.smallerIsBetter = smallerIsBetter
        scores.reserveCapacity(capacity + 1)
        points.reserveCapacity(capacity + 1)
    }

    @inline(__always) func better(_ a: Float, _ b: Float) -> Bool { smallerIsBetter ? a < b : a > b }

    /// What a score must beat to enter, as a smaller-is-better key (the score, negated when
    /// larger is better): the worst kept one, or +infinity while the list has room. Scans
    /// keep it in a local and call `insert` only for the few scores below it.
    @inline(__always) var bound: Float {
        guard scores.count >= capacity, let worst = scores.last else { return .infinity }
        return smallerIsBetter ? worst : -worst
    }

    /// Whether a score would enter the list.
    @inline(__always) func admits(_ value: Float) -> Bool {
        scores.count < capacity || better(value, scores[scores.count - 1])
    }

    mutating func insert(_ value: Float, _ point: Int) {
        var position = scores.count
        while position > 0 && better(value, scores[position - 1]) { position -= 1 }
        scores.insert(value, at: position)
        points.insert(point, at: position)
        if scores.count > capacity {
            scores.removeLast()
            points.removeLast()
        }
    }
}
