//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Credit-based flow control for the receiving direction of one stream, without I/O.
///
/// The receiver grants the sender a window of `window` elements; the sender never has more than that many in flight.
/// Elements wait in a buffer that the window bounds; as the consumer takes them, credits are granted back in batches
/// of a quarter window, so a slow consumer slows the producer and nothing is dropped.
struct InboundFlowStateMachine: ~Copyable {
    let window: Int
    private var buffer = PayloadBatch()
    /// An emptied batch the consumer gave back, to receive the next elements.
    private var spare = PayloadBatch()
    /// Elements received whose credit has not been granted back yet: never above the window.
    private var inFlight = 0
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
    enum TakeAction {
        /// Take these elements, oldest first; report them with ``consumed(_:)`` as they are used.
        case elements(PayloadBatch)
        /// Nothing buffered: suspend until ``received(_:)`` or an end wakes you.
        case suspend
        /// The stream ended cleanly.
        case finished
        /// The stream failed.
        case failed(any Error)
    }

    /// Hands the consumer everything buffered at once, so that it takes the lock once per batch, not per element.
    mutating func take() -> TakeAction {
        if !buffer.isEmpty {
            var taken = spare
            swap(&taken, &buffer)
            spare = PayloadBatch()
            return .elements(taken)
        }
        switch end {
        case .finished: return .finished
        case .failed(let error): return .failed(error)
        case nil:
            consumerWaiting = true
            return .suspend
        }
    }

    /// The consumer used `count` elements; returns the credit to grant the sender now (0 for none yet): credit goes
    /// back in batches of a quarter window.
    mutating func consumed(_ count: Int) -> Int {
        consumedSinceGrant += count
        guard consumedSinceGrant >= max(1, window / 4), end == nil else { return 0 }
        let credit = consumedSinceGrant
        consumedSinceGrant = 0
        inFlight -= credit
        return credit
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
        guard inFlight < window else { return .overrun }
        inFlight += 1
        buffer.append(payload)
        return .buffered(wakeConsumer: takeWaiting())
    }

    /// As ``received(_:)-([UInt8])``, for a payload that is copied in.
    mutating func received(_ payload: UnsafeRawBufferPointer) -> ReceiveAction {
        guard end == nil else { return .ignored }
        guard inFlight < window else { return .overrun }
        inFlight += 1
        buffer.append(payload)
        return .buffered(wakeConsumer: takeWaiting())
    }

    /// Takes back an emptied batch the consumer has finished with, so that its memory receives the next elements.
    mutating func recycle(_ batch: PayloadBatch) {
        spare = batch
    }

    /// The sender said `stop`, or the stream failed; returns whether to wake the consumer.
    mutating func ended(_ how: End) -> Bool {
        if end == nil { end = how }
        return takeWaiting()
    }

    /// Elements waiting for the consumer.
    var buffered: Int { buffer.count }

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
