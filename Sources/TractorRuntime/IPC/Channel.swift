//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Frames and messages over one ``Transport``: the connection under every portal. It knows nothing of sockets.
///
/// Reading happens on the ``IOLoop`` thread: bytes are split into frames by a `FrameDecoder`, each frame decoded into a
/// ``Message`` and handed to the channel's handler on that thread (handlers must not block). Until a handler is
/// attached, messages queue in an inbox read with ``receive()`` (used by the handshake).
///
/// Writing never blocks and takes no lock across a system call. Frames are queued in order under the channel's lock;
/// then one writer at a time writes the queue with the lock released: the sending thread itself when nothing was
/// queued before (no thread hop), otherwise the loop thread, when the transport becomes writable or for a batch of
/// frames sent with ``sendBatched(_:)``. ``waitUntilWritable()`` suspends while more than ``highWatermark`` bytes wait.
///
/// A malformed or oversized frame closes this one channel with a typed error; nothing else is affected.
package final class Channel: TransportHandler {
    package typealias MessageHandler = @Sendable (Message) -> Void
    package typealias CloseHandler = @Sendable (TractorError) -> Void
    /// Receives a small stream element without a ``Message`` being made for it: its call id and its payload, whose
    /// bytes are valid for the call only.
    package typealias YieldHandler = @Sendable (UInt64, UnsafeRawBufferPointer) -> Void

    /// Bytes queued for writing above which ``waitUntilWritable()`` suspends.
    package static let highWatermark = 4 << 20

    package let transport: any Transport
    package var loop: IOLoop { transport.loop }
    let decoder: Mutex<FrameDecoder>
    let state: Mutex<State>
    /// The largest message sent or received, in bytes: a longer one fails with `frameTooLarge`.
    package let maximumFrameSize: Int

    /// Who writes the queue now. One writer at a time keeps the frames in order and keeps ``Transport/close()`` from
    /// running under a write.
    enum Writer {
        /// Nobody: the queue is empty.
        case idle
        /// A sending thread, with the lock released.
        case caller
        /// The loop thread: a flush is scheduled, or the loop waits for the transport to become writable.
        case loop
    }

    struct State: ~Copyable {
        /// What waits to be written: frames in order, in buffers; see ``OutboundQueue``.
        var outbound = OutboundQueue()
        /// Bytes taken out by the writer and not yet written.
        var flushingBytes = 0
        var writer = Writer.idle
        var closeReason: TractorError?
        /// The channel closed while a sending thread was writing: the transport closes when it is done.
        var closeDeferred = false
        /// A write failed: the channel closes on the loop thread, and sends fail meanwhile.
        var writeFailure: TractorError?
        /// Tests: how many more frames may be sent before a send fails as a failed write would
        /// (``Channel/injectWriteFailure(afterFrames:)``).
        var framesBeforeInjectedFailure: Int?
        var inbox: [Message] = []
        var inboxWaiter: CheckedContinuation<Message, any Error>?
        var handlers = Handlers()
        var onClose: CloseHandler?
        var closeObservers: [@Sendable () -> Void] = []
        var writableWaiters: [(limit: Int, continuation: CheckedContinuation<Void, any Error>)] = []

        var queuedBytes: Int { outbound.byteCount + flushingBytes }
    }

    /// Where messages go once attached. Kept as one struct so that the reading thread copies both out of the lock
    /// as they are: a tuple of closures returned through the lock's generic result would be re-wrapped, allocating
    /// on every read.
    struct Handlers {
        var onMessage: MessageHandler?
        var onYield: YieldHandler?
    }

    /// Frames `transport` and starts reading from it.
    package init(transport: any Transport, maximumFrameSize: Int) {
        self.transport = transport
        self.maximumFrameSize = maximumFrameSize
        self.decoder = Mutex(FrameDecoder(maximumFrameSize: maximumFrameSize))
        self.state = Mutex(State())
        transport.start(self)
    }

    /// Frames a connected, non-blocking Unix socket, which the channel owns from now on.
    package convenience init(fd: CInt, maximumFrameSize: Int, loop: IOLoop = .shared) {
        self.init(transport: SocketTransport(fd: fd, loop: loop), maximumFrameSize: maximumFrameSize)
    }

    /// Connects to the listener at `path`.
    package static func connect(
        to path: String,
        maximumFrameSize: Int,
        loop: IOLoop = .shared
    ) throws(TractorError) -> Channel {
        let transport = try SocketTransport.connect(toUnixSocket: path, loop: loop)
        return Channel(transport: transport, maximumFrameSize: maximumFrameSize)
    }

    /// Whether the channel is closed.
    package var isClosed: Bool { state.withLock { $0.closeReason != nil } }

    /// Why the channel closed, once it has: the peer's end of stream, a failed read or write, or a local close.
    package var closeReason: TractorError? { state.withLock { $0.closeReason } }

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
                state.handlers = Handlers(onMessage: onMessage, onYield: onYield)
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

    /// Fault injection: closes the connection now, as a peer vanishing would from the other side.
    package func injectDisconnection() {
        let reason = TractorError(.channelClosed, "the connection was cut (an injected fault)")
        loop.execute { [self] in closeOnLoop(reason) }
    }

    package func transportWritable() { flushOnLoop() }

    package func transportReadable() { readAvailable() }

    /// Marks the channel closed, closes the transport (once no sending thread writes to it) and tells everyone
    /// waiting. Runs on the loop thread.
    func closeOnLoop(_ reason: TractorError) {
        let outcome = state.withLock {
            state -> (CloseHandler?, CheckedContinuation<Message, any Error>?, [CheckedContinuation<Void, any Error>],
                      [@Sendable () -> Void], closeNow: Bool)? in
            if state.closeReason != nil { return nil }
            state.closeReason = reason
            let waiter = state.inboxWaiter
            state.inboxWaiter = nil
            let writers = state.writableWaiters
            state.writableWaiters.removeAll()
            let observers = state.closeObservers
            state.closeObservers.removeAll()
            let closeNow = state.writer != .caller
            if !closeNow { state.closeDeferred = true }
            return (state.onClose, waiter, writers.map(\.continuation), observers, closeNow)
        }
        guard let (onClose, waiter, writers, observers, closeNow) = outcome else { return }
        if closeNow { transport.close() }
        waiter?.resume(throwing: reason)
        for writer in writers { writer.resume(throwing: reason) }
        onClose?(reason)
        for observer in observers { observer() }
    }
}
