import Foundation

/// A blocking, bounded first-in first-out queue between two threads: `put` waits while
/// it holds `capacity` items, `take` waits while it is empty. Either side can `close`
/// it: `put` then drops its item and returns false, and `take` drains what is left and
/// then returns nil. Used where a stage runs on its own thread (never on the cooperative
/// pool, since both calls block).
final class BoundedHandoff<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    /// Threads blocked in `put` or `take`: a wake-up is sent only when someone waits.
    private var waiting = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a handoff needs room for at least one item")
        self.capacity = capacity
    }

    /// Waits for room and enqueues `item`; false when the queue was closed.
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && items.count - head >= capacity { wait() }
        guard !closed else { return false }
        items.append(item)
        if waiting > 0 { condition.broadcast() }
        return true
    }

    /// Waits for an item; nil once the queue is closed and empty.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !closed { wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        if waiting > 0 { condition.broadcast() }
        return item
    }

    private func wait() {
        waiting += 1
        condition.wait()
        waiting -= 1
    }

    /// Ends the queue: later `put`s fail and `take` returns nil after the last item.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
