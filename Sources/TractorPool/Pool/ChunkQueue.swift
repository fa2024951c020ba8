//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A first-in, first-out queue that can also put elements back at its front: the dispatcher's queue of chunks
/// waiting for a worker. A ring buffer, so that taking the first element does not move the others.
struct ChunkQueue<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The element `popFirst()` would return.
    var first: Element? { count == 0 ? nil : storage[head] }

    mutating func append(_ element: Element) {
        growIfFull()
        storage[(head + count) % storage.count] = element
        count += 1
    }

    /// Puts `element` in front of all the others.
    mutating func prepend(_ element: Element) {
        growIfFull()
        head = (head - 1 + storage.count) % storage.count
        storage[head] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }

    /// Removes and returns the first element that satisfies `predicate`.
    mutating func removeFirst(where predicate: (Element) -> Bool) -> Element? {
        guard let offset = (0..<count).first(where: { predicate(storage[(head + $0) % storage.count]!) }) else {
            return nil
        }
        var elements = removeAll()
        let removed = elements.remove(at: offset)
        for element in elements { append(element) }
        return removed
    }

    /// The elements, first first, without removing them.
    var elements: [Element] {
        (0..<count).compactMap { offset in storage[(head + offset) % storage.count] }
    }

    /// Empties the queue and returns its elements, first first.
    mutating func removeAll() -> [Element] {
        var elements: [Element] = []
        elements.reserveCapacity(count)
        while let element = popFirst() { elements.append(element) }
        storage = []
        head = 0
        return elements
    }

    private mutating func growIfFull() {
        guard count == storage.count else { return }
        var grown = [Element?](repeating: nil, count: Swift.max(8, storage.count * 2))
        for offset in 0..<count { grown[offset] = storage[(head + offset) % storage.count] }
        storage = grown
        head = 0
    }
}

extension ChunkQueue: Sendable where Element: Sendable {}
