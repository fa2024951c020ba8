//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc

/// A listening TCP socket, where actors on other hosts connect: each accepted connection gets the options of
/// ``TCPConfiguration`` and must authenticate (``TransportAuthenticator``) before anything else; only then is it
/// handed over as a ``Channel``.
///
/// A connection that fails to authenticate (a wrong secret, a replayed conversation, an HTTP request, random bytes,
/// silence past the deadline) is closed without a frame of it read, and reported to `onRefusal`; the others, and the
/// listener, go on untouched. At most ``TCPConfiguration/maximumPendingAuthentications`` connections authenticate at
/// once; one beyond that is closed at once.
///
/// ```swift
/// let listener = try await TCPListener.bind(
///     to: TCPEndpoint(parsing: "[::1]:0"), configuration: TCPConfiguration(), secret: secret,
///     maximumFrameSize: 64 << 20
/// ) { channel in serve(channel) }
/// print(listener.address.port)   // the port the kernel chose
/// listener.close()
/// ```
package final class TCPListener: IOHandler {
    /// The address the listener is bound to, with the port the kernel chose for port 0.
    package let address: SocketAddress
    private let fd: CInt
    private let loop: IOLoop
    private let configuration: TCPConfiguration
    private let secret: TractorSecret
    private let maximumFrameSize: Int
    private let onAccept: @Sendable (Channel) -> Void
    private let onRefusal: @Sendable (TractorError) -> Void
    // Touched on the loop thread only.
    /// Connections accepted and not yet authenticated (or refused).
    nonisolated(unsafe) private var authenticating = 0
    /// A descriptor given up when the process runs out of them (`EMFILE`), as ``Listener`` does.
    nonisolated(unsafe) private var spare: CInt
    nonisolated(unsafe) private var closed = false

    /// Binds to the first address `endpoint` resolves to and starts accepting.
    ///
    /// - Parameters:
    ///   - endpoint: Where to listen: `0.0.0.0:7000`, `[::]:7000` (every address), `[::1]:0` (any free port).
    ///   - configuration: The options of accepted connections, and the authentication's limits.
    ///   - secret: The run's secret, which every connecting peer must prove it holds.
    ///   - maximumFrameSize: The channels' maximum frame size.
    ///   - loop: The loop that watches the listener and its connections.
    ///   - onRefusal: Hears, on the loop thread, why a connection was refused.
    ///   - onAccept: Receives, on the loop thread, each authenticated connection's channel (which reads into its
    ///     inbox until a handler is attached).
    /// - Throws: ``TractorError`` `.invalidArgument` for an unknown host; `.systemCallFailed` when the address cannot
    ///   be bound (in use, not local).
    package static func bind(
        to endpoint: TCPEndpoint,
        configuration: TCPConfiguration,
        secret: TractorSecret,
        maximumFrameSize: Int,
        loop: IOLoop = .shared,
        onRefusal: @escaping @Sendable (TractorError) -> Void = { _ in },
        onAccept: @escaping @Sendable (Channel) -> Void
    ) async throws(TractorError) -> TCPListener {
        let addresses = try await endpoint.resolve(passive: true)
        return try TCPListener(
            address: addresses[0], configuration: configuration, secret: secret, maximumFrameSize: maximumFrameSize,
            loop: loop, onRefusal: onRefusal, onAccept: onAccept
        )
    }

    private init(
        address: SocketAddress,
        configuration: TCPConfiguration,
        secret: TractorSecret,
        maximumFrameSize: Int,
        loop: IOLoop,
        onRefusal: @escaping @Sendable (TractorError) -> Void,
        onAccept: @escaping @Sendable (Channel) -> Void
    ) throws(TractorError) {
        if let error = loop.startupError { throw error }
        let fd = try sys_socket_tcp(family: address.family)
        do {
            try sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1, name: "SO_REUSEADDR")
            try configuration.applyBufferSizes(to: fd)
            try sys_bind_listen(fd, address: address)
            self.address = try sys_getsockname(fd)
        } catch {
            sys_close(fd)
            throw error
        }
        self.fd = fd
        self.loop = loop
        self.configuration = configuration
        self.secret = secret
        self.maximumFrameSize = maximumFrameSize
        self.onAccept = onAccept
        self.onRefusal = onRefusal
        self.spare = sys_open_spare_descriptor()
        loop.execute { [self] in
            guard !closed else { return }
            do throws(TractorError) {
                try loop.register(fd, events: EPOLLIN.rawValue, handler: self)
            } catch {
                closed = true
                loop.closeAndForget(fd)
                onRefusal(error)
            }
        }
    }

    /// On the loop thread: accepts every pending connection.
    package func handleEvents(_ events: UInt32) {
        acceptPending(on: fd, spare: &spare, while: { !closed }, refused: onRefusal) { client in authenticate(client) }
    }

    private func authenticate(_ client: CInt) {
        let peer = sys_getpeername(client)
        let from = peer.map { " from \($0)" } ?? ""
        guard authenticating < configuration.maximumPendingAuthentications else {
            sys_close(client)
            onRefusal(TractorError(
                .handshakeFailed,
                "refused a connection\(from): \(authenticating) connections are authenticating already "
                    + "(maximumPendingAuthentications)"
            ))
            return
        }
        do {
            try configuration.applyConnectionOptions(to: client)
        } catch {
            sys_close(client)
            onRefusal(TractorError(error.code, "refused a connection\(from): \(error.message)", cause: error))
            return
        }
        authenticating += 1
        let transport = SocketTransport(fd: client, peer: peer, loop: loop)
        TransportAuthenticator.start(
            transport, role: .acceptor, secret: secret, timeout: configuration.authenticationTimeout,
            maximumFrameSize: maximumFrameSize
        ) { [self] result in
            authenticating -= 1
            switch result {
            case .success(let channel):
                onAccept(channel)
            case .failure(let error):
                onRefusal(TractorError(error.code, "refused a connection\(from): \(error.message)", cause: error))
            }
        }
    }

    /// Stops accepting; connections already accepted are not affected (a handshake under way goes on to its end).
    package func close() {
        loop.execute { [self] in
            guard !closed else { return }
            closed = true
            loop.closeAndForget(fd)
            if spare >= 0 { sys_close(spare) }
            spare = -1
        }
    }
}
