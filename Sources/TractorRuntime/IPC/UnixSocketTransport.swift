//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc

/// A connected, non-blocking Unix stream socket as a ``Transport``: epoll on the loop thread, `read`/`write` system
/// calls, `EPOLLOUT` interest while bytes wait, the end of the stream on EOF or `EPOLLRDHUP`.
package final class UnixSocketTransport: Transport, IOHandler {
    package let fd: CInt
    package let loop: IOLoop
    /// The handler and whether `EPOLLOUT` is watched; touched on the loop thread only.
    nonisolated(unsafe) private var handler: (any TransportHandler)?
    nonisolated(unsafe) private var writableInterest = false
    nonisolated(unsafe) private var closed = false
    /// Why the socket could not be watched, reported by the next read; loop thread only.
    nonisolated(unsafe) private var registrationFailure: TractorError?

    /// Takes ownership of a connected, non-blocking socket.
    package init(fd: CInt, loop: IOLoop = .shared) {
        self.fd = fd
        self.loop = loop
    }

    /// Connects to the listener at `path`.
    package static func connect(to path: String, loop: IOLoop = .shared) throws(TractorError) -> UnixSocketTransport {
        let fd = try sys_socket_unix()
        do {
            try sys_connect(fd, path: path)
        } catch {
            sys_close(fd)
            throw error
        }
        return UnixSocketTransport(fd: fd, loop: loop)
    }

    package func start(_ handler: any TransportHandler) {
        loop.execute { [self] in
            guard !closed else { return }
            self.handler = handler
            do throws(TractorError) {
                try loop.register(fd, events: events, handler: self)
            } catch {
                // Registration failed: the handler reads the error at once and closes.
                registrationFailure = error
                handler.transportReadable()
            }
        }
    }

    private var events: UInt32 {
        EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (writableInterest ? EPOLLOUT.rawValue : 0)
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportRead {
        if let registrationFailure { return .failed(registrationFailure) }
        switch sys_read(fd, buffer) {
        case .success(0): return .endOfStream
        case .success(let count): return .bytes(count)
        case .failure(let error) where error.rawValue == EAGAIN: return .wouldBlock
        case .failure(let error):
            return .failed(TractorError(.channelClosed, "reading from the peer failed: \(error)", cause: error))
        }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) -> TransportWrite {
        switch sys_write(fd, bytes) {
        case .success(let count): return .wrote(count)
        case .failure(let error) where error.rawValue == EAGAIN: return .wouldBlock
        case .failure(let error):
            return .failed(TractorError(.channelClosed, "writing to the peer failed: \(error)", cause: error))
        }
    }

    package func setWritableInterest(_ interested: Bool) {
        guard interested != writableInterest, !closed else { return }
        writableInterest = interested
        loop.modify(fd, events: events)
    }

    package func close() {
        guard !closed else { return }
        closed = true
        handler = nil
        loop.closeAndForget(fd)
    }

    package func handleEvents(_ events: UInt32) {
        guard let handler else { return }
        if events & EPOLLOUT.rawValue != 0 { handler.transportWritable() }
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
            handler.transportReadable()
        }
    }
}
