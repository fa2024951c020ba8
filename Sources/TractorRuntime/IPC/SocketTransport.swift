//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc

/// A connected, non-blocking stream socket as a ``Transport``: a Unix socket to an actor of this machine, or a TCP
/// connection to one on another host. Epoll on the loop thread, `read`/`send` system calls, `EPOLLOUT` interest while
/// bytes wait, the end of the stream on EOF or `EPOLLRDHUP`.
///
/// A partial write takes a prefix, `EAGAIN` is ``TransportWrite/wouldBlock`` and the handler hears when the socket
/// takes more; the peer closing is ``TransportRead/endOfStream``; a reset (`ECONNRESET`), a peer host that stopped
/// answering (`ETIMEDOUT`, from TCP keepalive or `TCP_USER_TIMEOUT`) and every other failure are
/// ``TransportRead/failed(_:)`` with `.channelClosed`, whose message says which. TCP connections are made by
/// ``TCPConnector`` and accepted by ``TCPListener``, with the options of ``TCPConfiguration`` set.
///
/// It can be handed from one handler to the next: ``start(_:)`` may be called again, and the new handler hears the
/// socket's readiness from then on (a TCP connection's authentication hands it over to its channel this way, without
/// a byte read twice or lost).
package final class SocketTransport: Transport, IOHandler {
    package let fd: CInt
    package let loop: IOLoop
    /// The peer's address, for messages; `nil` for a Unix socket.
    package let peer: SocketAddress?
    // Touched on the loop thread only.
    nonisolated(unsafe) private var handler: (any TransportHandler)?
    nonisolated(unsafe) private var writableInterest = false
    nonisolated(unsafe) private var registered = false
    nonisolated(unsafe) private var closed = false
    /// Why the socket could not be watched, reported by the next read.
    nonisolated(unsafe) private var registrationFailure: TractorError?

    /// Takes ownership of a connected (or connecting), non-blocking socket; `peer` is a TCP peer's address.
    package init(fd: CInt, peer: SocketAddress? = nil, loop: IOLoop = .shared) {
        self.fd = fd
        self.peer = peer
        self.loop = loop
    }

    /// Connects to the Unix socket listener at `path`.
    package static func connect(
        toUnixSocket path: String,
        loop: IOLoop = .shared
    ) throws(TractorError) -> SocketTransport {
        let fd = try sys_socket_unix()
        do {
            try sys_connect(fd, path: path)
        } catch {
            sys_close(fd)
            throw error
        }
        return SocketTransport(fd: fd, loop: loop)
    }

    /// Starts reporting readiness to `handler`; called again, hands the transport over to a new handler.
    package func start(_ handler: any TransportHandler) {
        loop.execute { [self] in
            guard !closed else { return }
            self.handler = handler
            guard !registered else { return }
            registered = true
            do throws(TractorError) {
                try loop.register(fd, events: events, handler: self)
            } catch {
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
        case .failure(let error): return .failed(lost("reading from", error))
        }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) -> TransportWrite {
        switch sys_write(fd, bytes) {
        case .success(let count): return .wrote(count)
        case .failure(let error) where error.rawValue == EAGAIN: return .wouldBlock
        case .failure(let error): return .failed(lost("writing to", error))
        }
    }

    /// The connection is lost: a typed error, with what happened in words.
    private func lost(_ doing: String, _ error: Errno) -> TractorError {
        let peer = peer.map { "the peer at \($0)" } ?? "the peer"
        let what: String
        switch error.rawValue {
        case ECONNRESET: what = "\(peer) reset the connection"
        case ETIMEDOUT:
            what = "\(peer) stopped answering (its host is unreachable or down: keepalive or TCP_USER_TIMEOUT expired)"
        case EPIPE: what = "\(peer) closed the connection"
        default: what = "\(doing) \(peer) failed: \(error)"
        }
        return TractorError(.channelClosed, what, cause: error)
    }

    package func setWritableInterest(_ interested: Bool) {
        guard interested != writableInterest, !closed else { return }
        writableInterest = interested
        if registered { loop.modify(fd, events: events) }
    }

    package func close() {
        guard !closed else { return }
        closed = true
        handler = nil
        loop.closeAndForget(fd)
    }

    package func handleEvents(_ events: UInt32) {
        if events & EPOLLOUT.rawValue != 0 { handler?.transportWritable() }
        if events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 {
            handler?.transportReadable()
        }
    }

    /// An integer option of the socket as the kernel holds it (`SOL_SOCKET` or `IPPROTO_TCP` level), or `nil` if it
    /// cannot be read. The corresponding C function is `getsockopt`.
    package func socketOption(level: CInt, _ option: CInt) -> CInt? {
        try? sys_getsockopt(fd, level, option).get()
    }
}
