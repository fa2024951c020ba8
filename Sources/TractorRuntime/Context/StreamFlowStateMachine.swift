//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Credit-based flow control for the receiving direction of one stream, without I/O.
///
/// The receiver grants the sender a window of `window` elements; the sender never has more than that many in flight.
/// Elements wait in a buffer that the window bounds; as the consumer takes them, credits are granted back in batches
/// of half a window, so a slow consumer slows the producer and nothing is dropped.
struct InboundFlowStateMachine: ~Copyable {
    let window: Int
    private var buffer: [[UInt8]] = []
    private var head = 0
    private var consumedSinceGrant = 0
    private var end: End?
    private var consumerWaiting = false

    enum End {
        case finished
        case failed(any Error)
    }

    init(window: Int) {
        self.window = max(1, window)
    }

    /// What the consumer should do next.
    enum NextAction {
        /// Take this element; grant `credit` more to the sender first if it is non-zero.
        case element([UInt8], credit: Int)
        /// Nothing buffered: suspend until ``received(_:)`` or an end wakes you.
        case suspend
        /// The stream ended cleanly.
        case finished
        /// The stream failed.
        case failed(any Error)
    }

    mutating func next() -> NextAction {
        if head < buffer.count {
            let element = buffer[head]
            head += 1
            if head == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                head = 0
            }
            consumedSinceGrant += 1
            var credit = 0
            if consumedSinceGrant >= max(1, window / 2), end == nil {
                credit = consumedSinceGrant
                consumedSinceGrant = 0
            }
            return .element(element, credit: credit)
        }
        switch end {
        case .finished: return .finished
        case .failed(let error): return .failed(error)
        case nil:
            consumerWaiting = true
            return .suspend
        }
    }

    /// What to do with an element that arrived.
    enum ReceiveAction {
        /// Buffered; wake the consumer if it was waiting.
        case buffered(wakeConsumer: Bool)
        /// The sender sent beyond its credit: a protocol violation.
        case overrun
        /// The stream already ended; drop it.
        case ignored
    }

    mutating func received(_ payload: [UInt8]) -> ReceiveAction {
        guard end == nil else { return .ignored }
        guard buffer.count - head < window else { return .overrun }
        buffer.append(payload)
        return .buffered(wakeConsumer: takeWaiting())
    }

    /// The sender said `stop`, or the stream failed; returns whether to wake the consumer.
    mutating func ended(_ how: End) -> Bool {
        if end == nil { end = how }
        return takeWaiting()
    }

    /// Elements waiting for the consumer.
    var buffered: Int { buffer.count - head }

    var isEnded: Bool { end != nil }

    private mutating func takeWaiting() -> Bool {
        defer { consumerWaiting = false }
        return consumerWaiting
    }
}

/// Credit accounting for the sending direction of one stream, without I/O.
struct OutboundFlowStateMachine: ~Copyable {
    private(set) var credit = 0
    private(set) var failure: (any Error)?
    private(set) var finished = false

    enum SendAction {
        /// Send now; one credit is spent.
        case send
        /// No credit: wait for ``granted(_:)``.
        case wait
        /// The direction is closed.
        case fail(any Error)
    }

    mutating func send() -> SendAction {
        if let failure { return .fail(failure) }
        if finished {
            return .fail(TractorError(.protocolViolation, "this stream direction was finished; nothing more can be sent"))
        }
        guard credit > 0 else { return .wait }
        credit -= 1
        return .send
    }

    mutating func granted(_ count: Int) {
        credit += count
    }

    /// Returns whether a `stop` should be sent (the first finish of a healthy direction).
    mutating func finish() -> Bool {
        guard !finished, failure == nil else { return false }
        finished = true
        return true
    }

    mutating func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }
}
