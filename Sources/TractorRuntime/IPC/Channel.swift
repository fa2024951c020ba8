//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc
import Synchronization

/// Something that stages frames for a ``Channel`` on its own (a stream's sending side, which takes one lock per
/// element where the channel's queue would take two), and hands them over when the channel's loop collects them.
package protocol StagedFrames: AnyObject, Sendable {
    /// Moves the frames staged so far into the channel with ``Channel/appendStaged(_:)``. Called on the loop thread
    /// after ``Channel/requestCollection(from:)``.
    func moveStagedFrames()
}

/// Frames over one connected Unix stream socket: the transport under every portal.
///
/// Reading happens on the ``IOLoop`` thread: bytes are split into frames by a `FrameDecoder`, each frame decoded into a
/// ``Message`` and handed to the channel's handler on that thread (handlers must not block). Until a handler is
/// attached, messages queue in an inbox read with ``receive()`` (used by the handshake).
///
/// Writing happens on the caller's thread without blocking: a frame is written at once when the socket takes it; what
/// it does not take is queued and flushed by the loop when the socket becomes writable. ``waitUntilWritable()``
/// suspends while more than ``highWatermark`` bytes are queued.
///
/// A malformed or oversized frame closes this one channel with a typed error; nothing else is affected.
package final class Channel: IOHandler {
    package typealias MessageHandler = @Sendable (Message) -> Void
    package typealias CloseHandler = @Sendable (TractorError) -> Void
    /// Receives a small stream element without a ``Message`` being made for it: its call id and its payload, whose
    /// bytes are valid for the call only.
    package typealias YieldHandler = @Sendable (UInt64, UnsafeRawBufferPointer) -> Void

    /// Bytes queued for writing above which ``waitUntilWritable()`` suspends.
    package static let highWatermark = 4 << 20

    package let fd: CInt
    private let loop: IOLoop
    private let decoder: Mutex<FrameDecoder>
    private let state: Mutex<State>

    private struct State: ~Copyable {
        /// What waits to be written: frames in order, in buffers; see ``OutboundQueue``.
        var outbound = OutboundQueue()
        /// Bytes taken out by a flush under way and not yet written.
        var flushingBytes = 0
        var writeInterest = false
        var closeReason: TractorError?
        /// A write from a sending thread failed: the channel closes on the loop thread, and sends fail meanwhile.
        var writeFailure: TractorError?
        /// Tests: how many more frames may be sent before a send fails as a failed write would
        /// (``Channel/injectWriteFailure(afterFrames:)``).
        var framesBeforeInjectedFailure: Int?
        var inbox: [Message] = []
        var inboxWaiter: CheckedContinuation<Message, any Error>?
        var onMessage: MessageHandler?
        var onYield: YieldHandler?
        var onClose: CloseHandler?
        var closeObservers: [@Sendable () -> Void] = []
        var writableWaiters: [(limit: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        /// Sources whose staged frames the next flush collects, in the order they asked, with how long each may
        /// wait (`nil`: no wait).
        var stagers: [(source: any StagedFrames, delay: Duration?)] = []

        var queuedBytes: Int { outbound.byteCount + flushingBytes }
    }

    /// Wraps a connected, non-blocking socket and starts watching it.
    package init(fd: CInt, maximumFrameSize: Int, loop: IOLoop = .shared) {
        self.fd = fd
        self.loop = loop
        self.decoder = Mutex(FrameDecoder(maximumFrameSize: maximumFrameSize))
        self.state = Mutex(State())
        loop.execute { [self] in
            do {
                try loop.register(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue, handler: self)
            } catch let error as TractorError {
                self.closeOnLoop(error)
            } catch {
                self.closeOnLoop(TractorError(.systemCallFailed, "\(error)"))
            }
        }
    }

    /// Connects to the listener at `path`.
    package static func connect(
        to path: String,
        maximumFrameSize: Int,
        loop: IOLoop = .shared
    ) throws(TractorError) -> Channel {
        let fd = try sys_socket_unix()
        do {
            try sys_connect(fd, path: path)
        } catch {
            sys_close(fd)
            throw error
        }
        return Channel(fd: fd, maximumFrameSize: maximumFrameSize, loop: loop)
    }

    /// Whether the channel is closed.
    package var isClosed: Bool { state.withLock { $0.closeReason != nil } }

    // MARK: Writing

    /// Sends one message without suspending; throws `.channelClosed` once the channel is closed.
    package func send(_ message: Message) throws(TractorError) {
        var frame: [UInt8] = []
        try message.encodeFrame(into: &frame)
        try write(frame)
    }

    /// Queues one message to be written by the loop thread with the others queued meanwhile: one system call for a
    /// burst of stream elements instead of one each. Order with ``send(_:)`` is kept.
    ///
    /// - Returns: The bytes queued now; above ``highWatermark``, a sender should ``waitUntilWritable()``.
    @discardableResult
    package func sendBatched(_ message: Message) throws(TractorError) -> Int {
        // A large message is encoded before the lock is taken, into a buffer of its own that is queued by reference;
        // a small one is encoded in place at the end of the queue.
        if message.payloadByteCount >= OutboundQueue.largeFrame {
            var large: [UInt8] = []
            try message.encodeFrame(into: &large)
            return try queueBatched { queue in queue.appendBuffer(large) }
        }
        return try queueBatched { (queue) throws(TractorError) in
            try queue.appendFrame { (buffer) throws(TractorError) in try message.encodeFrame(into: &buffer) }
        }
    }

    /// Queues one stream element, as ``sendBatched(_:)`` queues `.yield(cid: cid, payload: payload)`, but written
    /// straight into the queue without making the message first.
    @discardableResult
    package func sendYield(cid: UInt64, payload: [UInt8]) throws(TractorError) -> Int {
        if payload.count >= OutboundQueue.largeFrame {
            return try sendBatched(.yield(cid: cid, payload: payload))
        }
        return try queueBatched { (queue) throws(TractorError) in
            try queue.appendFrame { (buffer) throws(TractorError) in
                try payload.withUnsafeBytes { raw in
                    Result { () throws(TractorError) in try Message.encodeYieldFrame(cid: cid, payload: raw, into: &buffer) }
                }.get()
            }
        }
    }

    /// Appends to the outbound queue under the lock and makes sure a flush is scheduled; returns the bytes queued.
    private func queueBatched(_ append: (inout OutboundQueue) throws(TractorError) -> Void) throws(TractorError) -> Int {
        let (scheduleFlush, queued) = try state.withLock { (state) throws(TractorError) -> (Bool, Int) in
            if let reason = state.closeReason ?? state.writeFailure {
                throw TractorError(.channelClosed, "the channel is closed: \(reason.message)", cause: reason)
            }
            try injectedFailure(&state)
            try append(&state.outbound)
            if state.writeInterest { return (false, state.queuedBytes) }
            state.writeInterest = true
            return (true, state.queuedBytes)
        }
        if scheduleFlush {
            loop.execute { [self] in flush() }
        }
        return queued
    }

    /// Records a failed write from a sending thread and has the loop close the channel, like any other end of the
    /// connection: the descriptor is released and the connection's owner hears of it. Returns the error to throw.
    private func writeFailed(_ reason: TractorError, _ state: inout State) -> TractorError {
        state.writeFailure = reason
        loop.execute { [self] in closeOnLoop(reason) }
        return reason
    }

    /// Fails this send as a failed write would, if a test asked for it (see ``injectWriteFailure(afterFrames:)``).
    private func injectedFailure(_ state: inout State) throws(TractorError) {
        guard let remaining = state.framesBeforeInjectedFailure else { return }
        guard remaining <= 0 else {
            state.framesBeforeInjectedFailure = remaining - 1
            return
        }
        state.framesBeforeInjectedFailure = nil
        throw writeFailed(TractorError(.channelClosed, "writing to the peer failed: an injected fault"), &state)
    }

    /// Fault injection, for tests of what a failed write means to the layers above: the send after the next `frames`
    /// sends fails as a write refused by the kernel would (`.channelClosed`), and the channel closes.
    package func injectWriteFailure(afterFrames frames: Int) {
        state.withLock { $0.framesBeforeInjectedFailure = Swift.max(0, frames) }
    }

    /// Fault injection: closes the connection now, as a peer vanishing would from the other side.
    package func injectDisconnection() {
        loop.execute { [self] in closeOnLoop(TractorError(.channelClosed, "the connection was cut (an injected fault)")) }
    }

    /// Suspends while more than ``highWatermark`` bytes wait to be written.
    package func waitUntilWritable() async throws {
        try await waitUntilQueued(atMost: Self.highWatermark)
    }

    /// Suspends until every queued byte has been handed to the kernel.
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

    private func write(_ frame: [UInt8]) throws(TractorError) {
        _ = try writeOrQueue(frame)
    }

    /// Queues complete frames staged by a ``StagedFrames`` source, after everything queued before them; when nothing
    /// is queued they are written at once, from the calling thread.
    ///
    /// - Returns: The bytes queued now; above ``highWatermark``, a sender should ``waitUntilWritable()``.
    ///
    /// On the loop thread (collecting for a flush about to write anyway) they are only queued: the source's lock,
    /// held meanwhile, is then held for no system call.
    @discardableResult
    package func appendStaged(_ frames: [UInt8]) throws(TractorError) -> Int {
        if loop.inLoop { return try queueBatched { queue in queue.appendBuffer(frames) } }
        return try writeOrQueue(frames)
    }

    /// Asks the loop to collect `source`'s staged frames soon (once per request): at once, or after `delay` when
    /// no flush is due before then, so that a busy sender's frames leave in fewer, larger writes.
    package func requestCollection(from source: any StagedFrames, after delay: Duration? = nil) {
        let schedule = state.withLock { state -> Bool in
            if state.closeReason != nil { return false }
            state.stagers.append((source, delay))
            if state.writeInterest { return false }
            state.writeInterest = true
            return true
        }
        guard schedule else { return }
        if let delay {
            loop.execute(after: delay) { [self] in flush() }
        } else {
            loop.execute { [self] in flush() }
        }
    }

    /// Writes `bytes` (whole frames) now if nothing is queued before them, queueing what the socket does not take;
    /// returns the bytes queued afterwards.
    private func writeOrQueue(_ bytes: [UInt8]) throws(TractorError) -> Int {
        let (needsInterest, queued) = try state.withLock { (state) throws(TractorError) -> (Bool, Int) in
            if let reason = state.closeReason ?? state.writeFailure {
                throw TractorError(.channelClosed, "the channel is closed: \(reason.message)", cause: reason)
            }
            try injectedFailure(&state)
            if state.queuedBytes > 0 {
                if bytes.count >= OutboundQueue.largeFrame {
                    state.outbound.appendBuffer(bytes)
                } else {
                    try state.outbound.appendFrame { buffer in buffer.append(contentsOf: bytes) }
                }
                return (false, state.queuedBytes)
            }
            let written: Int
            switch bytes.withUnsafeBytes({ sys_write(fd, $0) }) {
            case .success(let count):
                written = count
            case .failure(let error) where error.rawValue == EAGAIN:
                written = 0
            case .failure(let error):
                throw writeFailed(TractorError(.channelClosed, "writing to the peer failed: \(error)", cause: error), &state)
            }
            if written == bytes.count { return (false, 0) }
            state.outbound.appendBuffer(bytes, written: written)
            if state.writeInterest { return (false, state.queuedBytes) }
            state.writeInterest = true
            return (true, state.queuedBytes)
        }
        if needsInterest {
            loop.execute { [self] in
                if !isClosed { loop.modify(fd, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue) }
            }
        }
        return queued
    }

    // MARK: Reading

    /// The next message, for conversations that run before a handler is attached (the handshake).
    package func receive() async throws -> Message {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Message, any Error>) in
            let ready: Result<Message, TractorError>? = state.withLock { state in
                if !state.inbox.isEmpty { return .success(state.inbox.removeFirst()) }
                if let reason = state.closeReason { return .failure(reason) }
                precondition(state.inboxWaiter == nil, "one receive() at a time")
                state.inboxWaiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Hands every later message to `onMessage` (on the loop thread), starting with any already queued, and reports
    /// the channel's closing to `onClose` (once; at once if it is already closed).
    /// With `onYield`, small `yield` messages go to it instead, in their order among the others.
    package func attach(
        onMessage: @escaping MessageHandler,
        onYield: YieldHandler? = nil,
        onClose: @escaping CloseHandler
    ) {
        loop.execute { [self] in
            let (queued, closed) = state.withLock { state -> ([Message], TractorError?) in
                state.onMessage = onMessage
                state.onYield = onYield
                state.onClose = onClose
                let queued = state.inbox
                state.inbox.removeAll()
                return (queued, state.closeReason)
            }
            for message in queued { onMessage(message) }
            if let closed { onClose(closed) }
        }
    }

    /// Calls `observer` (on the loop thread) once the channel has closed; at once if it already has.
    package func attachCloseObserver(_ observer: @escaping @Sendable () -> Void) {
        let closed = state.withLock { state -> Bool in
            if state.closeReason != nil { return true }
            state.closeObservers.append(observer)
            return false
        }
        if closed { observer() }
    }

    /// Closes the channel; pending receivers and writers fail with `.channelClosed`.
    package func close() {
        loop.execute { [self] in
            closeOnLoop(TractorError(.channelClosed, "the channel was closed locally"))
        }
    }

    package func handleEvents(_ events: UInt32) {
        if events & EPOLLOUT.rawValue != 0 { flush() }
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 { readAvailable() }
    }

    /// Reads and delivers everything the peer has sent so far, up to the end of the stream. Call on the loop thread,
    /// before acting on the peer's exit, so that its last messages are seen first.
    package func drainOnLoop() {
        readAvailable(rounds: .max)
    }

    private func readAvailable(rounds: Int = 8) {
        let buffer = loop.readBuffer
        for _ in 0..<rounds {
            if isClosed { return }
            switch sys_read(fd, buffer) {
            case .success(0):
                closeOnLoop(TractorError(.channelClosed, "the peer closed the connection"))
                return
            case .success(let count):
                // Frames are decoded straight from the decoder's buffer. Small stream elements are not made into
                // messages: their payloads are gathered into one arena per read and handed over as slices of it.
                var items: [Inbound] = []
                var arena: [UInt8] = []
                let failure = decoder.withLock { decoder -> TractorError? in
                    decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    do {
                        while let item = try decoder.withNextFrame({ frame -> Inbound in
                            if let (cid, range) = Message.peekYield(frame), range.count < OutboundQueue.largeFrame {
                                let start = arena.count
                                arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[range]))
                                return .yield(cid: cid, arena: start..<arena.count)
                            }
                            return .message(try Message.decode(from: frame))
                        }) {
                            items.append(item)
                        }
                        return nil
                    } catch let error as TractorError {
                        return error
                    } catch {
                        return TractorError(.malformedData, "\(error)")
                    }
                }
                let (onMessage, onYield) = state.withLock { ($0.onMessage, $0.onYield) }
                arena.withUnsafeBytes { arena in
                    for item in items {
                        switch item {
                        case .message(let message):
                            if let onMessage { onMessage(message) } else { deliver(message) }
                        case .yield(let cid, let range):
                            let payload = UnsafeRawBufferPointer(rebasing: arena[range])
                            if let onYield {
                                onYield(cid, payload)
                            } else if let onMessage {
                                onMessage(.yield(cid: cid, payload: Array(payload)))
                            } else {
                                deliver(.yield(cid: cid, payload: Array(payload)))
                            }
                        }
                    }
                }
                if let failure {
                    closeOnLoop(TractorError(
                        failure.code, "a malformed frame or message closed the channel: \(failure.message)", cause: failure
                    ))
                    return
                }
                if count < buffer.count { return }
            case .failure(let error) where error.rawValue == EAGAIN:
                return
            case .failure(let error):
                closeOnLoop(TractorError(.channelClosed, "reading from the peer failed: \(error)", cause: error))
                return
            }
        }
    }

    /// A frame read, in the order of arrival.
    private enum Inbound {
        case message(Message)
        /// A small `yield`, its payload at `arena` in the read's arena.
        case yield(cid: UInt64, arena: Range<Int>)
    }

    private func deliver(_ message: Message) {
        enum Route { case handler(MessageHandler), waiter(CheckedContinuation<Message, any Error>), queued }
        let route = state.withLock { state -> Route in
            if let handler = state.onMessage { return .handler(handler) }
            if let waiter = state.inboxWaiter {
                state.inboxWaiter = nil
                return .waiter(waiter)
            }
            state.inbox.append(message)
            return .queued
        }
        switch route {
        case .handler(let handler): handler(message)
        case .waiter(let waiter): waiter.resume(returning: message)
        case .queued: break
        }
    }

    /// Writes what is queued. The buffers are taken out from under the lock and written without holding it, so that
    /// senders keep appending meanwhile; they append rather than write while a flush is under way, which keeps the
    /// order. What the socket does not take goes back to the front of the queue, uncopied. Runs on the loop thread.
    private func flush() {
        var rounds = 0
        var failure: TractorError?
        while rounds < 4 {
            rounds += 1
            // Staged frames join the queue first, each source's after what it queued before. Only those that asked
            // before this flush began: a source asking while it runs waits for the next, as its delay says.
            if rounds == 1 {
                let stagers = state.withLock { state -> [(source: any StagedFrames, delay: Duration?)] in
                    defer { state.stagers.removeAll(keepingCapacity: true) }
                    return state.stagers
                }
                for stager in stagers { stager.source.moveStagedFrames() }
            }
            let taken = state.withLock { state -> (buffers: [[UInt8]], headOffset: Int, byteCount: Int)? in
                if state.closeReason != nil || state.outbound.isEmpty { return nil }
                let taken = state.outbound.takeAll()
                state.flushingBytes = taken.byteCount
                return taken
            }
            guard let (buffers, headOffset, _) = taken else { break }
            var index = 0
            var offset = headOffset
            var blocked = false
            while index < buffers.count {
                let result = buffers[index].withUnsafeBytes { raw in
                    sys_write(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
                switch result {
                case .success(let count):
                    offset += count
                    if offset == buffers[index].count {
                        index += 1
                        offset = 0
                    }
                case .failure(let error) where error.rawValue == EAGAIN:
                    blocked = true
                case .failure(let error):
                    blocked = true
                    failure = TractorError(.channelClosed, "writing to the peer failed: \(error)", cause: error)
                }
                if blocked { break }
            }
            state.withLock { state in
                state.flushingBytes = 0
                if index < buffers.count {
                    state.outbound.putBack(buffers[index...], headOffset: offset)
                } else if let last = buffers.last {
                    state.outbound.recycle(last)
                }
            }
            if blocked { break }
        }
        if let failure {
            closeOnLoop(failure)
            return
        }
        enum Next { case drained, writable, collect(after: Duration?) }
        let (next, waiters) = state.withLock { state -> (Next, [CheckedContinuation<Void, any Error>]) in
            let queued = state.queuedBytes
            let waiters = state.writableWaiters.filter { $0.limit >= queued }.map(\.continuation)
            state.writableWaiters.removeAll { $0.limit >= queued }
            if queued > 0 { return (.writable, waiters) }
            if state.stagers.isEmpty {
                state.writeInterest = false
                return (.drained, waiters)
            }
            // Sources asked while this flush ran: collect them in another, as soon as the most hurried allows.
            let delays = state.stagers.map(\.delay)
            return (.collect(after: delays.contains { $0 == nil } ? nil : delays.compactMap { $0 }.min()), waiters)
        }
        if !isClosed {
            switch next {
            case .writable:
                loop.modify(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLOUT.rawValue)
            case .drained, .collect:
                loop.modify(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
            }
            if case .collect(let delay) = next {
                if let delay {
                    loop.execute(after: delay) { [self] in flush() }
                } else {
                    loop.execute { [self] in flush() }
                }
            }
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Marks the channel closed, forgets the descriptor and tells everyone waiting. Runs on the loop thread.
    private func closeOnLoop(_ reason: TractorError) {
        let outcome = state.withLock {
            state -> (CloseHandler?, CheckedContinuation<Message, any Error>?, [CheckedContinuation<Void, any Error>],
                      [@Sendable () -> Void])? in
            if state.closeReason != nil { return nil }
            state.closeReason = reason
            let waiter = state.inboxWaiter
            state.inboxWaiter = nil
            let writers = state.writableWaiters
            state.writableWaiters.removeAll()
            let observers = state.closeObservers
            state.closeObservers.removeAll()
            state.stagers.removeAll()
            return (state.onClose, waiter, writers.map(\.continuation), observers)
        }
        guard let (onClose, waiter, writers, observers) = outcome else { return }
        loop.closeAndForget(fd)
        waiter?.resume(throwing: reason)
        for writer in writers { writer.resume(throwing: reason) }
        onClose?(reason)
        for observer in observers { observer() }
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
