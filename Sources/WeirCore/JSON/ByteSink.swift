#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable byte buffer for serialisers: it starts in caller-provided (usually stack)
/// memory and moves to the heap only when that fills, so a typical record is assembled
/// with no allocation and each append is a bounds check and a copy.
struct ByteSink: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    private var onHeap = false

    init(stack: UnsafeMutableBufferPointer<UInt8>) {
        base = stack.baseAddress!
        capacity = stack.count
    }

    deinit {
        if onHeap { free(base) }
    }

    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(toHold: 1) }
        base[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if capacity - count < bytes.count { grow(toHold: bytes.count) }
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        append(UnsafeRawBufferPointer(bytes))
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends everything written so far to `out`.
    func drain(into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    private mutating func grow(toHold extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        if onHeap {
            guard let grown = realloc(base, newCapacity) else { fatalError("out of memory growing a \(newCapacity)-byte buffer") }
            base = grown.assumingMemoryBound(to: UInt8.self)
        } else {
            guard let heap = malloc(newCapacity) else { fatalError("out of memory allocating a \(newCapacity)-byte buffer") }
            let moved = heap.assumingMemoryBound(to: UInt8.self)
            moved.update(from: base, count: count)
            base = moved
            onHeap = true
        }
        capacity = newCapacity
    }
}
