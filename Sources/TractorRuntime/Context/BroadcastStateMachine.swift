//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The state of one stream fanned out to several receivers: each receiver's buffer, the parked receivers and the
/// parked pump, and how the stream ended. Pure: the shell (``Broadcast``) holds it under one lock, makes a transition
/// and resumes what the transition hands back outside the lock.
///
/// Generic over what parks (`ReceiverWaiter`, `PumpWaiter`) so that its unit tests need no tasks.
struct BroadcastStateMachine<Element: Sendable, ReceiverWaiter, PumpWaiter> {
    /// What a receiver gets next: an element, a count of elements lost to lag, or the end (with the stream's error).
    typealias Next = BroadcastNext<Element>

    private struct Receiver {
        var buffer: [Element] = []
        /// The index in `buffer` of its first element not yet taken (taken ones are dropped in batches).
        var head = 0
        var missed = 0
        var waiter: ReceiverWaiter?
        /// Detached: it no longer receives, and the pump never waits for it.
        var detached = false

        var count: Int { buffer.count - head }

        mutating func take() -> Element {
            let element = buffer[head]
            head += 1
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    let policy: BroadcastPolicy
    private var receivers: [Receiver]
    private var pumpWaiter: PumpWaiter?
    private var ended: (any Error)??

    init(receivers: Int, policy: BroadcastPolicy) {
        self.policy = policy
        self.receivers = Array(repeating: Receiver(), count: receivers)
    }

    /// Whether every receiver has room for one more element (detached ones always have); under the lagging policy
    /// there is always room.
    var hasRoom: Bool {
        guard policy.kind == .slowestHoldsProducer else { return true }
        return receivers.allSatisfy { $0.detached || $0.count < policy.buffer }
    }

    /// Whether no receiver listens any more: the pump may stop reading.
    var allDetached: Bool { receivers.allSatisfy(\.detached) }

    // MARK: The pump

    /// The pump read `element`: it goes straight to each parked receiver, or into each buffer.
    ///
    /// - Returns: The receivers to resume, each with its element.
    mutating func received(_ element: Element) -> [(ReceiverWaiter, Next)] {
        var resumed: [(ReceiverWaiter, Next)] = []
        for index in receivers.indices where !receivers[index].detached {
            if let waiter = receivers[index].waiter {
                receivers[index].waiter = nil
                resumed.append((waiter, .element(element)))
                continue
            }
            receivers[index].buffer.append(element)
            if policy.kind == .lagging, receivers[index].count > policy.buffer {
                _ = receivers[index].take()
                receivers[index].missed += 1
            }
        }
        return resumed
    }

    /// The pump waits for room before its next read: parks it unless there is room already.
    ///
    /// - Returns: `true` if it parked, `false` if it should go on at once.
    mutating func pumpWaits(_ waiter: PumpWaiter) -> Bool {
        if hasRoom || ended != nil || allDetached { return false }
        pumpWaiter = waiter
        return true
    }

    /// The stream ended (with `error` if it failed, or was cancelled): parked receivers are resumed with the end once
    /// their buffers are empty.
    mutating func finished(_ error: (any Error)?) -> [(ReceiverWaiter, Next)] {
        if ended == nil { ended = .some(error) }
        var resumed: [(ReceiverWaiter, Next)] = []
        for index in receivers.indices {
            if let waiter = receivers[index].waiter {
                receivers[index].waiter = nil
                resumed.append((waiter, .end(error)))
            }
        }
        return resumed
    }

    // MARK: The receivers

    /// What receiver `index` gets next, if it is there: a missed count first, then buffered elements, then the end.
    /// `nil` when it must wait; then call ``park(_:_:)``.
    ///
    /// - Returns: The answer, and the pump to resume if taking made room for it.
    mutating func next(_ index: Int) -> (Next?, PumpWaiter?) {
        if receivers[index].missed > 0 {
            defer { receivers[index].missed = 0 }
            return (.missed(receivers[index].missed), nil)
        }
        if receivers[index].count > 0 {
            let element = receivers[index].take()
            return (.element(element), takePumpIfRoom())
        }
        if let ended { return (.end(ended), nil) }
        if receivers[index].detached { return (.end(nil), nil) }
        return (nil, nil)
    }

    /// Parks receiver `index`, which found nothing (see ``next(_:)``). A parked receiver leaves room: the pump may go
    /// on.
    mutating func park(_ index: Int, _ waiter: ReceiverWaiter) -> PumpWaiter? {
        receivers[index].waiter = waiter
        return takePumpIfRoom()
    }

    /// Receiver `index`'s task was cancelled while parked: returns its waiter, to resume with the cancellation.
    mutating func cancelled(_ index: Int) -> ReceiverWaiter? {
        defer { receivers[index].waiter = nil }
        return receivers[index].waiter
    }

    /// Receiver `index` stops receiving: its buffer is dropped and the pump no longer waits for it.
    ///
    /// - Returns: Its parked waiter (to resume with the end) and the pump, if it may go on now.
    mutating func detach(_ index: Int) -> (ReceiverWaiter?, PumpWaiter?) {
        receivers[index].detached = true
        receivers[index].buffer = []
        receivers[index].head = 0
        let waiter = receivers[index].waiter
        receivers[index].waiter = nil
        if allDetached, let pump = pumpWaiter {
            pumpWaiter = nil
            return (waiter, pump)
        }
        return (waiter, takePumpIfRoom())
    }

    /// The error the stream failed with, if it failed; a cancellation is not a failure.
    var failure: (any Error)? {
        guard case .some(.some(let error)) = ended, !(error is CancellationError) else { return nil }
        return error
    }

    /// Takes the parked pump, if it is parked (its task was cancelled).
    mutating func takePump() -> PumpWaiter? {
        defer { pumpWaiter = nil }
        return pumpWaiter
    }

    private mutating func takePumpIfRoom() -> PumpWaiter? {
        guard let pump = pumpWaiter, hasRoom else { return nil }
        pumpWaiter = nil
        return pump
    }
}
