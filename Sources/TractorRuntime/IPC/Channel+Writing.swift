//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Writing: frames are queued in order under the lock; one writer at a time writes them with the lock released.
extension Channel {
    /// A write the sender owes after queueing frames with ``Channel/enqueue(frames:)``: finish it with
    /// ``Channel/complete(_:)`` once the sender's own locks are released.
    package struct PendingWrite: Sendable {
        /// The frames this sender is to write (it became the queue's writer), or `nil` (someone else writes).
        fileprivate var batch: Batch?
        /// The bytes queued once the frames were.
        package var queuedBytes: Int
    }

    /// The buffers a writer took from the queue, and the bytes of the first one already written.
    typealias Batch = (buffers: [[UInt8]], headOffset: Int, byteCount: Int)

    /// Who is to write frames queued now, if nobody writes yet.
    enum Departure {
        /// The sending thread, at once.
        case now
        /// The loop thread, soon, with whatever else is queued meanwhile.
        case batched
    }

    /// Sends one message without suspending; throws `.channelClosed` once the channel is closed.
    ///
    /// When nothing is queued before it, the message is written from the calling thread at once (no thread hop).
    package func send(_ message: Message) throws(TractorError) {
        complete(try enqueue(message, departure: .now))
    }

    /// Queues one message to be written by the loop thread with the others queued meanwhile: one system call for a
    /// burst of stream elements instead of one each. Order with ``send(_:)`` is kept.
    ///
    /// - Returns: The bytes queued now; above ``highWatermark``, a sender should ``waitUntilWritable()``.
    @discardableResult
    package func sendBatched(_ message: Message) throws(TractorError) -> Int {
        try enqueue(message, departure: .batched).queuedBytes
    }

    /// Queues complete frames (then `next`, if given) after everything queued before them, without writing: a sender
    /// holding a lock of its own (which fixes the frames' order among its others) queues under it, then finishes
    /// with ``complete(_:)`` once it released the lock, so that no lock is held across a system call.
    ///
    /// The frames leave at once, from the thread that finishes with ``complete(_:)``, when nothing is queued before
    /// them; otherwise with the writer already at work. On the loop thread too: a collection run there writes in the
    /// same pass instead of scheduling a flush of its own.
    ///
    /// - Parameters:
    ///   - frames: Complete frames.
    ///   - next: More complete frames, queued right after `frames` (a large one, kept as a buffer of its own).
    ///   - batched: Leave them to the loop even from a sending thread (a large element, which the loop writes while
    ///     the sender goes on).
    /// - Returns: The write the sender owes; pass it to ``complete(_:)``.
    /// - Throws: ``TractorError`` `.channelClosed` once the channel is closed or a write has failed.
    package func enqueue(
        frames: [UInt8],
        then next: [UInt8]? = nil,
        batched: Bool = false
    ) throws(TractorError) -> PendingWrite {
        try enqueue(departure: batched ? .batched : .now) { (queue) throws(TractorError) in
            try queue.appendFrames(frames)
            if let next { try queue.appendFrames(next) }
        }
    }

    /// Writes what ``enqueue(frames:)`` left to this sender, if anything; returns the bytes still queued.
    @discardableResult
    package func complete(_ pending: PendingWrite) -> Int {
        guard let batch = pending.batch else { return pending.queuedBytes }
        return drain(batch, onLoop: loop.inLoop)
    }

    private func enqueue(_ message: Message, departure: Departure) throws(TractorError) -> PendingWrite {
        // A large message is encoded before the lock is taken, into a buffer of its own that is queued by reference;
        // a small one is encoded in place at the end of the queue.
        if message.payloadByteCount >= OutboundQueue.largeFrame {
            var large: [UInt8] = []
            try message.encodeFrame(into: &large, maximumFrameSize: maximumFrameSize)
            return try enqueue(departure: departure) { queue in queue.appendBuffer(large) }
        }
        let limit = maximumFrameSize
        return try enqueue(departure: departure) { (queue) throws(TractorError) in
            try queue.appendFrame { (buffer) throws(TractorError) in
                try message.encodeFrame(into: &buffer, maximumFrameSize: limit)
            }
        }
    }

    /// Appends to the queue under the lock and settles who writes it: this sender (the batch to write comes back),
    /// the loop (a flush is scheduled), or the writer already at work.
    private func enqueue(
        departure: Departure,
        _ append: (inout OutboundQueue) throws(TractorError) -> Void
    ) throws(TractorError) -> PendingWrite {
        enum Outcome {
            case queued(PendingWrite, scheduleFlush: Bool)
            /// Fault injection failed this send: the channel closes as after a failed write.
            case injected(TractorError)
        }
        let outcome = try state.withLock { (state) throws(TractorError) -> Outcome in
            if let reason = state.closeReason ?? state.writeFailure {
                throw TractorError(.channelClosed, "the channel is closed: \(reason.message)", cause: reason)
            }
            if let injected = injectedFailure(&state) { return .injected(injected) }
            try append(&state.outbound)
            let queued = state.queuedBytes
            guard state.writer == .idle else {
                return .queued(PendingWrite(batch: nil, queuedBytes: queued), scheduleFlush: false)
            }
            switch departure {
            case .now:
                state.writer = .caller
                let batch = state.outbound.takeAll()
                state.flushingBytes = batch.byteCount
                return .queued(PendingWrite(batch: batch, queuedBytes: queued), scheduleFlush: false)
            case .batched:
                state.writer = .loop
                return .queued(PendingWrite(batch: nil, queuedBytes: queued), scheduleFlush: true)
            }
        }
        switch outcome {
        case .queued(let pending, let scheduleFlush):
            if scheduleFlush { loop.execute { [self] in flushOnLoop() } }
            return pending
        case .injected(let failure):
            loop.execute { [self] in closeOnLoop(failure) }
            throw failure
        }
    }

    /// Writes what is queued, as the loop: when a flush was scheduled or the transport became writable.
    func flushOnLoop() {
        let batch = state.withLock { state -> Batch? in
            guard state.writer == .loop, state.closeReason == nil else { return nil }
            let batch = state.outbound.takeAll()
            state.flushingBytes = batch.byteCount
            return batch
        }
        guard let batch else { return }
        _ = drain(batch, onLoop: true)
    }

    /// What a writer does after one batch.
    private enum Next {
        case write(Batch)
        /// The queue is empty: nobody writes now.
        case idle
        /// The transport takes no more now: the loop writes the rest when it becomes writable.
        case awaitWritable
        /// The writer wrote enough rounds: the loop writes the rest.
        case handToLoop
        /// The write failed: the channel closes.
        case fail(TractorError)
        /// The channel closed meanwhile; `closeTransport` when its transport waited for this write to end.
        case closed(closeTransport: Bool)
    }

    /// Writes `batch` and what is queued meanwhile, as the queue's writer; the lock is released for every write.
    /// What the transport does not take goes back to the front of the queue, uncopied. Returns the bytes queued at
    /// the end.
    private func drain(_ first: Batch, onLoop: Bool) -> Int {
        var batch = first
        var rounds = 0
        while true {
            rounds += 1
            let (index, offset, failure, blocked) = write(batch)
            let (next, waiters, queued) = state.withLock {
                state -> (Next, [CheckedContinuation<Void, any Error>], Int) in
                state.flushingBytes = 0
                if index < batch.buffers.count {
                    state.outbound.putBack(batch.buffers[index...], headOffset: offset)
                } else if let last = batch.buffers.last {
                    state.outbound.recycle(last)
                }
                let queued = state.queuedBytes
                let waiters = state.writableWaiters.filter { $0.limit >= queued }.map(\.continuation)
                state.writableWaiters.removeAll { $0.limit >= queued }
                if state.closeReason != nil {
                    state.writer = .idle
                    defer { state.closeDeferred = false }
                    return (.closed(closeTransport: state.closeDeferred), waiters, queued)
                }
                if let failure {
                    state.writer = .idle
                    state.writeFailure = failure
                    return (.fail(failure), waiters, queued)
                }
                if state.outbound.isEmpty {
                    state.writer = .idle
                    return (.idle, waiters, queued)
                }
                state.writer = .loop
                if blocked { return (.awaitWritable, waiters, queued) }
                if rounds >= 4 { return (.handToLoop, waiters, queued) }
                state.writer = onLoop ? .loop : .caller
                let taken = state.outbound.takeAll()
                state.flushingBytes = taken.byteCount
                return (.write(taken), waiters, queued)
            }
            for waiter in waiters { waiter.resume() }
            switch next {
            case .write(let taken):
                batch = taken
                continue
            case .idle:
                if onLoop { transport.setWritableInterest(false) }
            case .awaitWritable, .handToLoop:
                // Level-triggered: a transport with room reports writable at once, which hands the rest to the loop.
                if onLoop {
                    transport.setWritableInterest(true)
                } else {
                    loop.execute { [self] in
                        if state.withLock({ $0.writer == .loop && $0.closeReason == nil }) {
                            transport.setWritableInterest(true)
                        }
                    }
                }
            case .fail(let failure):
                if onLoop { closeOnLoop(failure) } else { loop.execute { [self] in closeOnLoop(failure) } }
            case .closed(let closeTransport):
                if closeTransport { loop.execute { [self] in transport.close() } }
            }
            return queued
        }
    }

    /// Writes the buffers of `batch` until the transport takes no more; the lock is not held.
    private func write(_ batch: Batch) -> (index: Int, offset: Int, failure: TractorError?, blocked: Bool) {
        var index = 0
        var offset = batch.headOffset
        while index < batch.buffers.count {
            let result = batch.buffers[index].withUnsafeBytes { raw in
                transport.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            switch result {
            case .wrote(let count):
                offset += count
                if offset == batch.buffers[index].count {
                    index += 1
                    offset = 0
                } else if count == 0 {
                    return (index, offset, nil, true)
                }
            case .wouldBlock:
                return (index, offset, nil, true)
            case .failed(let error):
                return (index, offset, error, true)
            }
        }
        return (index, offset, nil, false)
    }

    /// The failure of this send, as a failed write's, if a test asked for it (see
    /// ``injectWriteFailure(afterFrames:)``). Sends fail from now on; the channel closes once the lock is released.
    private func injectedFailure(_ state: inout State) -> TractorError? {
        guard let remaining = state.framesBeforeInjectedFailure else { return nil }
        guard remaining <= 0 else {
            state.framesBeforeInjectedFailure = remaining - 1
            return nil
        }
        state.framesBeforeInjectedFailure = nil
        let reason = TractorError(.channelClosed, "writing to the peer failed: an injected fault")
        state.writeFailure = reason
        return reason
    }

    /// Fault injection, for tests of what a failed write means to the layers above: the send after the next `frames`
    /// sends fails as a write refused by the kernel would (`.channelClosed`), and the channel closes.
    package func injectWriteFailure(afterFrames frames: Int) {
        state.withLock { $0.framesBeforeInjectedFailure = Swift.max(0, frames) }
    }

    /// Suspends while more than ``highWatermark`` bytes wait to be written.
    package func waitUntilWritable() async throws {
        try await waitUntilQueued(atMost: Self.highWatermark)
    }

    /// Suspends until every queued byte has been handed to the transport.
    package func waitUntilFlushed() async throws {
        try await waitUntilQueued(atMost: 0)
    }

    private func waitUntilQueued(atMost limit: Int) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready: Result<Void, TractorError>? = state.withLock { state in
                if let reason = state.closeReason { return .failure(reason) }
                if state.queuedBytes <= limit { return .success(()) }
                state.writableWaiters.append((limit, continuation))
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

extension OutboundQueue {
    /// Appends complete frames: by reference when they are large or start the queue (no copy), else copied into the
    /// open buffer so that they leave with their neighbours in one write.
    fileprivate mutating func appendFrames(_ frames: [UInt8]) throws(TractorError) {
        if isEmpty || frames.count >= OutboundQueue.largeFrame {
            appendBuffer(frames)
        } else {
            try appendFrame { buffer in buffer.append(contentsOf: frames) }
        }
    }
}

extension Message {
    /// The size of the payload a message carries (0 for those without one): large ones are queued on their own.
    fileprivate var payloadByteCount: Int {
        switch self {
        case .yield(_, let payload), .return(_, let payload), .started(_, let payload): payload.count
        case .start(let start): start.payload.count
        default: 0
        }
    }
}
