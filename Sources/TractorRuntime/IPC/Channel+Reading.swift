//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Reading: on the loop thread, bytes become frames, frames become messages (or small stream elements) for the
/// handler, or wait in the handshake's inbox.
extension Channel {
    /// The next message, for conversations that run before a handler is attached (the handshake).
    ///
    /// - Throws: ``TractorError`` `.channelClosed` once the channel is closed, `.protocolViolation` when another
    ///   `receive()` is already waiting.
    package func receive() async throws -> Message {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Message, any Error>) in
            let ready: Result<Message, TractorError>? = state.withLock { state in
                if !state.inbox.isEmpty { return .success(state.inbox.removeFirst()) }
                if let reason = state.closeReason { return .failure(reason) }
                if state.inboxWaiter != nil {
                    let reason = "a channel is received from by one task at a time"
                    return .failure(TractorError(.protocolViolation, reason))
                }
                state.inboxWaiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Reads and delivers everything the peer has sent so far, up to the end of the stream. Call on the loop thread,
    /// before acting on the peer's exit, so that its last messages are seen first.
    package func drainOnLoop() {
        readAvailable(rounds: .max)
    }

    /// Reads what has arrived, in at most `rounds` reads (the transport reports again while more waits). Loop thread.
    func readAvailable(rounds: Int = 8) {
        let buffer = loop.readBuffer
        for _ in 0..<rounds {
            if isClosed { return }
            switch transport.read(into: buffer) {
            case .endOfStream:
                closeOnLoop(TractorError(.channelClosed, "the peer closed the connection"))
                return
            case .bytes(let count):
                if let failure = deliver(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) {
                    let message = "a malformed frame or message closed the channel: \(failure.message)"
                    closeOnLoop(TractorError(failure.code, message, cause: failure))
                    return
                }
                if count < buffer.count { return }
            case .wouldBlock:
                return
            case .failed(let error):
                closeOnLoop(error)
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

    /// Splits `bytes` into frames and hands each on; returns the error of a malformed frame, after the frames before
    /// it were delivered.
    private func deliver(_ bytes: UnsafeRawBufferPointer) -> TractorError? {
        // Frames are decoded straight from the decoder's buffer. Small stream elements are not made into messages:
        // their payloads are gathered into one arena per read and handed over as slices of it.
        // Most reads hold one frame: it is kept apart, so that such a read fills no array.
        var first: Inbound?
        var rest: [Inbound] = []
        var arena: [UInt8] = []
        let failure = decoder.withLock { decoder -> TractorError? in
            decoder.append(bytes)
            do {
                while let item = try decoder.withNextFrame({ frame -> Inbound in
                    if let (cid, range) = Message.peekYield(frame), range.count < OutboundQueue.largeFrame {
                        let start = arena.count
                        arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[range]))
                        return .yield(cid: cid, arena: start..<arena.count)
                    }
                    return .message(try Message.decode(from: frame))
                }) {
                    if first == nil { first = item } else { rest.append(item) }
                }
                return nil
            } catch let error as TractorError {
                return error
            } catch {
                return TractorError(.malformedData, "\(error)")
            }
        }
        guard let first else { return failure }
        let handlers = state.withLock { $0.handlers }
        arena.withUnsafeBytes { arena in
            hand(first, arena: arena, to: handlers)
            for item in rest { hand(item, arena: arena, to: handlers) }
        }
        return failure
    }

    private func hand(_ item: Inbound, arena: UnsafeRawBufferPointer, to handlers: Handlers) {
        switch item {
        case .message(let message):
            if let onMessage = handlers.onMessage { onMessage(message) } else { deliverToInbox(message) }
        case .yield(let cid, let range):
            let payload = UnsafeRawBufferPointer(rebasing: arena[range])
            if let onYield = handlers.onYield {
                onYield(cid, payload)
            } else if let onMessage = handlers.onMessage {
                onMessage(.yield(cid: cid, payload: Array(payload)))
            } else {
                deliverToInbox(.yield(cid: cid, payload: Array(payload)))
            }
        }
    }

    private func deliverToInbox(_ message: Message) {
        enum Route { case handler(MessageHandler), waiter(CheckedContinuation<Message, any Error>), queued }
        let route = state.withLock { state -> Route in
            if let handler = state.handlers.onMessage { return .handler(handler) }
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
}
