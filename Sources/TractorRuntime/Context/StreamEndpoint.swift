//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// One end of a stream or context call: the receiving buffer with its credits, the sending credits, and (for
/// contexts) the `started` value. Messages arrive from the I/O thread, which never blocks on a slow consumer: the
/// window bounds what a well-behaved peer can send, and a peer that overruns it fails the stream.
///
/// Small elements sent are staged here (see ``sendNow(_:)``) and handed to the ``Channel`` as complete frames: queued
/// under this endpoint's lock, which fixes their order, and written once the lock is released.
package final class StreamEndpoint: Sendable {
    package let cid: UInt64
    private let channel: Channel
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var inbound: InboundFlowStateMachine
        var outbound = OutboundFlowStateMachine()
        var consumer: CheckedContinuation<Void, Never>?
        var senders: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextSender = 0
        var started: Result<[UInt8], any Error>?
        var startedWaiter: CheckedContinuation<[UInt8], any Error>?
        /// Whether this side sent its `started` value.
        var startedSent = false
        /// How the job misused its side of the context, if it did.
        var misuse: TractorError?
        /// Yield frames sent and not yet handed to the channel (see ``sendNow(_:)``).
        var staged: [UInt8] = []
        /// Whether a collection of `staged` is scheduled on the channel's loop.
        var collectionRequested = false
        /// When staged frames last went to the channel (monotonic nanoseconds; 0: never), and how many.
        var lastMove: UInt64 = 0
        var lastMoveFrames = 0
        /// Frames in `staged`.
        var stagedFrames = 0
    }

    /// Staged frames past this many bytes go to the channel at once, from the sending task.
    static let stagingLimit = 8 << 10
    /// A sender whose frames last left less than this long ago, several at once, is streaming: its next collection
    /// waits ``collectionDelay`` so that more frames leave together. A sender idle longer, or sending one frame at a
    /// time (a request, a ping answered by a pong), has its frames collected at once.
    static let busyInterval: UInt64 = 200_000
    static let busyFrames = 4
    static let collectionDelay: Duration = .microseconds(30)

    package init(cid: UInt64, channel: Channel, window: Int) {
        self.cid = cid
        self.channel = channel
        self.state = Mutex(State(inbound: InboundFlowStateMachine(window: window)))
    }

    /// Grants the peer the initial window for its sending direction.
    package func grantInitialWindow() throws(TractorError) {
        let window = state.withLock { $0.inbound.window }
        try channel.send(.credit(cid: cid, count: UInt32(window)))
    }

    // MARK: Events from the I/O thread

    package func receivedYield(_ payload: [UInt8]) {
        handle(state.withLock { $0.inbound.received(payload) })
    }

    /// A stream element whose payload is copied in (the bytes are valid for this call only).
    package func receivedYield(copying payload: UnsafeRawBufferPointer) {
        handle(state.withLock { $0.inbound.received(payload) })
    }

    private func handle(_ action: InboundFlowStateMachine.ReceiveAction) {
        switch action {
        case .buffered(let wake):
            // A consumer woken by the elements of a flow computes beside the loop thread, which reads the next ones
            // meanwhile, rather than taking turns with it as a caller woken by its answer does (`withActorNursery`).
            if wake { IOLoop.runningServedJobsElsewhere { wakeConsumer() } }
        case .overrun:
            fail(TractorError(.protocolViolation, "the peer sent more stream elements than it had credit for"))
            try? channel.send(.cancel(cid: cid))
        case .ignored:
            break
        }
    }

    package func receivedStop() {
        if state.withLock({ $0.inbound.ended(.finished) }) { wakeConsumer() }
    }

    package func receivedCredit(_ count: UInt32) {
        let senders = state.withLock { state in
            state.outbound.granted(Int(count))
            let senders = Array(state.senders.values)
            state.senders.removeAll()
            return senders
        }
        // A sender waiting for credit computes beside the loop thread, which reads on meanwhile (see `handle`).
        IOLoop.runningServedJobsElsewhere {
            for sender in senders { sender.resume() }
        }
    }

    package func receivedStarted(_ payload: [UInt8]) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8], any Error>? in
            if state.started == nil { state.started = .success(payload) }
            defer { state.startedWaiter = nil }
            return state.startedWaiter
        }
        waiter?.resume(returning: payload)
    }

    /// Ends both directions with `error` (the call failed, was cancelled, or the channel closed).
    package func fail(_ error: any Error) {
        let (wake, senders, startedWaiter, pending) = state.withLock { state in
            // What was sent before the failure still leaves first (if the channel is still open).
            let pending = try? moveStaged(&state)
            let wake = state.inbound.ended(.failed(error))
            state.outbound.fail(error)
            let senders = Array(state.senders.values)
            state.senders.removeAll()
            if state.started == nil { state.started = .failure(error) }
            let startedWaiter = state.startedWaiter
            state.startedWaiter = nil
            return (wake, senders, startedWaiter, pending)
        }
        if let pending = pending ?? nil { channel.complete(pending) }
        if wake { wakeConsumer() }
        for sender in senders { sender.resume() }
        startedWaiter?.resume(throwing: error)
    }

    /// The call returned: the receiving direction ends cleanly if the peer did not end it already.
    package func callEnded() {
        if state.withLock({ $0.inbound.ended(.finished) }) { wakeConsumer() }
        fail(TractorError(.channelClosed, "the call has ended; its stream is closed"))
    }

    private func wakeConsumer() {
        state.withLock { state in
            let consumer = state.consumer
            state.consumer = nil
            return consumer
        }?.resume()
    }

    // MARK: Receiving

    /// The elements buffered now (at least one), or `nil` at the end of the stream. One consumer at a time; it
    /// reports what it used with ``consumed(_:)``.
    package func nextBatch(isolation actor: isolated (any Actor)?) async throws -> PayloadBatch? {
        while true {
            switch state.withLock({ $0.inbound.take() }) {
            case .elements(let payloads):
                return payloads
            case .finished:
                return nil
            case .failed(let error):
                throw error
            case .suspend:
                try Task.checkCancellation()
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = state.withLock { state -> Bool in
                            if state.inbound.buffered > 0 || state.inbound.isEnded || Task.isCancelled { return true }
                            state.consumer = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    wakeConsumer()
                }
                // Look at the stream again before at cancellation: an error that woke us names the cause better.
            }
        }
    }

    /// The consumer is done with `batch`: its memory receives the next elements.
    func recycle(_ batch: consuming PayloadBatch) {
        var emptied = batch
        emptied.removeAll()
        let spare = emptied
        state.withLock { $0.inbound.recycle(spare) }
    }

    /// The consumer used `count` elements: credit goes back to the sender in batches.
    package func consumed(_ count: Int) {
        let credit = state.withLock { $0.inbound.consumed(count) }
        if credit > 0 { _ = try? channel.sendBatched(.credit(cid: cid, count: UInt32(credit))) }
    }

    /// How many elements a consumer uses before reporting them: an eighth of the window.
    package var reportingInterval: Int {
        state.withLock { max(1, $0.inbound.window / 8) }
    }

    // MARK: Sending

    /// What ``sendNow(_:)`` did.
    package enum SendAttempt {
        /// The element is on its way.
        case sent
        /// The element is on its way, but the connection has more than ``Channel/highWatermark`` bytes queued: wait
        /// with ``Channel/waitUntilWritable()`` before sending more.
        case sentAboveWatermark
        /// Nothing was sent: there is no credit; ``send(_:)`` waits for it.
        case needsCredit
    }

    /// Sends one element if the peer has granted credit for it, without suspending: the path of every element sent
    /// with credit to spare.
    ///
    /// Small elements are staged here, under the lock the credit check takes anyway, and reach the channel in bulk:
    /// when the stage fills, when the sender runs out of credit, when the direction or the call ends, and otherwise
    /// when the collection scheduled on the channel's loop at the first element of each batch runs. Frames are queued
    /// under the lock and written after it is released.
    package func sendNow(_ payload: [UInt8]) throws -> SendAttempt {
        // The second value: whether to schedule a collection of the stage, and after how long; the third: the write
        // this sender owes once the lock is released.
        let (attempt, collection, pending) = try state.withLock {
            (state) throws -> (SendAttempt, Duration?, Channel.PendingWrite?) in
            switch state.outbound.send() {
            case .fail(let error):
                throw error
            case .wait:
                // The peer grants credit for what it receives: what is staged must leave before the sender waits.
                return (.needsCredit, nil, try moveStaged(&state))
            case .send:
                if payload.count >= OutboundQueue.largeFrame {
                    // A large element leaves as a buffer of its own, queued by reference, after the stage.
                    var frame: [UInt8] = []
                    try payload.withUnsafeBytes { raw in
                        try Message.encodeYieldFrame(
                            cid: cid, payload: raw, into: &frame, maximumFrameSize: channel.maximumFrameSize
                        )
                    }
                    return (.sent, nil, try moveStaged(&state, then: frame))
                }
                try payload.withUnsafeBytes { raw in
                    try Message.encodeYieldFrame(
                        cid: cid, payload: raw, into: &state.staged, maximumFrameSize: channel.maximumFrameSize
                    )
                }
                state.stagedFrames += 1
                guard state.staged.count >= Self.stagingLimit else {
                    if state.collectionRequested { return (.sent, nil, nil) }
                    state.collectionRequested = true
                    return (.sent, Self.delayBeforeCollection(state), nil)
                }
                return (.sent, nil, try moveStaged(&state))
            }
        }
        if let collection { scheduleCollection(after: collection) }
        guard let pending else { return attempt }
        let queued = channel.complete(pending)
        // Credit bounds each stream; the watermark bounds what all the streams of a connection queue together.
        if case .sent = attempt, queued > Channel.highWatermark { return .sentAboveWatermark }
        return attempt
    }

    /// How long the next collection waits: ``collectionDelay`` for a busy sender, so that more of its frames leave
    /// together; nothing for one that sends a frame now and then.
    private static func delayBeforeCollection(_ state: borrowing State) -> Duration {
        let busy = state.lastMoveFrames >= busyFrames && sys_monotonic_nanoseconds() &- state.lastMove < busyInterval
        return busy ? collectionDelay : .zero
    }

    /// Has the channel's loop move the stage to the channel after `delay` (at once for `.zero`), so that a busy
    /// sender's frames leave in fewer, larger writes.
    private func scheduleCollection(after delay: Duration) {
        let loop = channel.loop
        if delay == .zero {
            loop.execute { [self] in collectStaged() }
        } else {
            loop.execute(after: delay) { [self] in collectStaged() }
        }
    }

    /// Moves the stage to the channel, on the loop thread, which writes it at once when no other writer is at work.
    ///
    /// The collection stays requested until that write is done: frames staged meanwhile wait for the next
    /// collection, scheduled here, instead of each write being chased by a collection of the few frames sent while
    /// it ran.
    private func collectStaged() {
        let pending = state.withLock { state -> Channel.PendingWrite? in
            try? moveStaged(&state)
        }
        if let pending { channel.complete(pending) }
        let again = state.withLock { state -> Duration? in
            guard !state.staged.isEmpty else {
                state.collectionRequested = false
                return nil
            }
            return Self.delayBeforeCollection(state)
        }
        if let again { scheduleCollection(after: again) }
    }

    /// Queues the staged frames, then `next` if given, in the channel; the sender finishes the write with
    /// ``Channel/complete(_:)`` once it released the lock. `nil` when there was nothing to queue.
    private func moveStaged(
        _ state: inout State,
        then next: [UInt8]? = nil
    ) throws(TractorError) -> Channel.PendingWrite? {
        // A large element is written by the loop, as a batch of its own, while the sender goes on.
        if state.staged.isEmpty {
            guard let next else { return nil }
            return try channel.enqueue(frames: next, batched: true)
        }
        var frames: [UInt8] = []
        // The next stage starts with room for a typical batch instead of growing into it copy by copy.
        frames.reserveCapacity(Swift.min(Self.stagingLimit, Swift.max(256, state.staged.count)))
        swap(&frames, &state.staged)
        state.lastMove = sys_monotonic_nanoseconds()
        state.lastMoveFrames = state.stagedFrames
        state.stagedFrames = 0
        return try channel.enqueue(frames: frames, then: next, batched: next != nil)
    }

    /// Sends one element, suspending while the peer has granted no credit. Runs on the caller's executor, and the
    /// path of an element sent with credit to spare is inlined into the caller: it costs no executor hop and no
    /// suspension point of its own.
    @inline(__always)
    nonisolated(nonsending) package func send(_ payload: [UInt8]) async throws {
        let attempt = try sendNow(payload)
        if case .sent = attempt { return }
        try await finishSending(payload, after: attempt)
    }

    /// The rest of ``send(_:)`` after `attempt`: waits for the connection to drain, or for credit and tries again.
    private nonisolated(nonsending) func finishSending(_ payload: [UInt8], after attempt: SendAttempt) async throws {
        var attempt = attempt
        while true {
            switch attempt {
            case .sent:
                return
            case .sentAboveWatermark:
                try await channel.waitUntilWritable()
                return
            case .needsCredit:
                // Wait for credit (checked again under the lock before suspending), then try again.
                try Task.checkCancellation()
                let id = state.withLock { state in
                    defer { state.nextSender += 1 }
                    return state.nextSender
                }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = state.withLock { state -> Bool in
                            if state.outbound.credit > 0 || state.outbound.failure != nil || Task.isCancelled {
                                return true
                            }
                            state.senders[id] = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    state.withLock { $0.senders.removeValue(forKey: id) }?.resume()
                }
                try Task.checkCancellation()
                attempt = try sendNow(payload)
            }
        }
    }

    /// Ends the sending direction (sends `stop` once, after every element staged).
    package func finish() {
        let pending = state.withLock { state -> Channel.PendingWrite? in
            guard state.outbound.finish() else { return nil }
            // Staged with the elements, so that nothing staged can leave after it.
            guard (try? Message.stop(cid: cid).encodeFrame(into: &state.staged)) != nil else { return nil }
            return try? moveStaged(&state)
        }
        if let pending { channel.complete(pending) }
    }

    /// Sends the context's first value.
    ///
    /// - Throws: ``TractorError`` `.protocolViolation` when it was sent already; the misuse is also kept in
    ///   ``misuse``, so that the caller hears of it even if the job ignores this error.
    package func sendStarted(_ payload: [UInt8]) throws(TractorError) {
        let misuse = state.withLock { state -> TractorError? in
            guard state.startedSent else {
                state.startedSent = true
                return nil
            }
            let misuse = TractorError(
                .protocolViolation, "started(_:) was called twice; a context job sends its started value once"
            )
            if state.misuse == nil { state.misuse = misuse }
            return misuse
        }
        if let misuse { throw misuse }
        try channel.sendBatched(.started(cid: cid, payload: payload))
    }

    /// How the job misused its side of the context (``sendStarted(_:)`` twice), if it did.
    package var misuse: TractorError? {
        state.withLock { $0.misuse }
    }

    /// Waits for the context's first value.
    package func waitForStarted() async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
            let ready = state.withLock { state -> Result<[UInt8], any Error>? in
                if let started = state.started { return started }
                state.startedWaiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
