//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

/// Actors on other hosts: listening and connecting over TCP, every connection authenticated with the run's secret.
///
/// Not API yet (`package`): the entry points that host agents joining a head (`pool-worker serve --connect
/// HOST:PORT`) are built on. A connection made or accepted here is a ``PeerConnection`` like one over a Unix socket:
/// each side may call the jobs the other serves, and nothing above the transport knows it crosses a network.
extension ActorRuntime {
    /// Listens on `endpoint` for actors on other hosts; each that authenticates and says hello becomes a connection
    /// this process serves its jobs on, handed to `onPeer`.
    ///
    /// After the authentication (see ``TransportAuthenticator``), the connecting side sends `hello` and this side
    /// answers with its own; a peer that sends anything else first, speaks another wire version, or says nothing
    /// within ``TCPConfiguration/authenticationTimeout`` is refused. Refusals are logged (at `warning`), never the
    /// secret.
    ///
    /// ```swift
    /// let listener = try await ActorRuntime.shared.listenTCP(on: "0.0.0.0:0") { peer in
    ///     print("joined:", peer.remote)
    /// }
    /// print("listening on port", listener.address.port)
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: `HOST:PORT` or `[IPV6]:PORT`; port 0 picks a free port (read it from the listener's `address`).
    ///   - configuration: Socket options, time limits and where the secret comes from.
    ///   - secret: The run's secret; `nil` loads it as the configuration says (``TractorSecret/load(file:)``).
    ///   - events: What each connection tells its owner (by default, a closed channel fails the calls in flight).
    ///   - onPeer: Hears each connection once its handshake is done (on any thread).
    /// - Returns: The listener; ``TCPPeerListener/close()`` stops accepting.
    /// - Important: The listener accepts until ``TCPPeerListener/close()`` is called: dropping the handle does not stop
    ///   it. Connections already made outlive it; each ends when either side closes it.
    /// - Throws: ``TractorError``: `.invalidArgument` for a malformed endpoint, an unknown host or a missing secret;
    ///   `.systemCallFailed` when the address cannot be bound; `.runtimeUnavailable` (see ``requireRunning()``).
    package func listenTCP(
        on endpoint: String,
        configuration: TCPConfiguration = TCPConfiguration(),
        secret: TractorSecret? = nil,
        events: PeerConnection.Events = PeerConnection.Events(),
        onPeer: @escaping @Sendable (PeerConnection) -> Void = { _ in }
    ) async throws(TractorError) -> TCPPeerListener {
        try requireRunning()
        let endpoint = try TCPEndpoint(parsing: endpoint)
        let secret = try TractorSecret.given(secret, else: configuration.secretFile)
        let timeout = configuration.authenticationTimeout
        let logger = configuration.logger ?? self.logger
        let handshakes = HandshakeGroup { [self] channel in
            await handshake(authenticated: channel, timeout: timeout, logger: logger, events: events, onPeer: onPeer)
        }
        do {
            let listener = try await TCPListener.bind(
                to: endpoint, configuration: configuration, secret: secret,
                maximumFrameSize: self.configuration.maximumFrameSize,
                onRefusal: { error in logger.warning("\(error.message)") },
                onAccept: { channel in handshakes.accept(channel) }
            )
            logger.debug("listening for authenticated TCP connections on \(listener.address)")
            return TCPPeerListener(listener: listener, handshakes: handshakes)
        } catch {
            handshakes.close()
            throw error
        }
    }

    /// Connects to the actor listening at `endpoint` over TCP, authenticates, and exchanges hellos.
    ///
    /// ```swift
    /// let head = try await ActorRuntime.shared.connectTCP(to: "head.cluster:7000")
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: `HOST:PORT` or `[IPV6]:PORT`.
    ///   - configuration: Socket options, time limits and where the secret comes from.
    ///   - secret: The run's secret; `nil` loads it as the configuration says (``TractorSecret/load(file:)``).
    ///   - server: The jobs to serve to the peer on this connection; `nil` serves this process's jobs.
    /// - Returns: The connection; this process serves its jobs on it too. It is adopted: actor-wide cancellation
    ///   reaches what it serves.
    /// - Throws: ``TractorError``: as ``TCPConnector/connect(to:configuration:secret:maximumFrameSize:loop:)``, and
    ///   `.handshakeFailed` when the peer answers the hello with anything but its own; ``RemoteActorError`` when it
    ///   refuses with an error.
    package func connectTCP(
        to endpoint: String,
        configuration: TCPConfiguration = TCPConfiguration(),
        secret: TractorSecret? = nil,
        server: JobTable? = nil
    ) async throws -> PeerConnection {
        try requireRunning()
        let parsed = try TCPEndpoint(parsing: endpoint)
        let secret = try TractorSecret.given(secret, else: configuration.secretFile)
        let channel = try await TCPConnector.connect(
            to: parsed, configuration: configuration, secret: secret,
            maximumFrameSize: self.configuration.maximumFrameSize
        )
        do {
            try channel.send(.hello(Hello(actor: identity, cookie: [])))
            let reply = try await withExpiry(configuration.authenticationTimeout) {
                try await channel.receive()
            } expire: {
                channel.close()
            }
            switch reply {
            case .hello(let hello) where hello.version == tractorWireVersion:
                let connection = PeerConnection(
                    channel: channel, local: identity, remote: hello.actor, initiator: true, server: server ?? jobTable
                )
                adopt(connection)
                return connection
            case .error(_, let info):
                throw RemoteActorError(info)
            default:
                throw TractorError(
                    .handshakeFailed, "the actor at \(endpoint) answered the hello with \(reply.kindName)"
                )
            }
        } catch {
            channel.close()
            throw error
        }
    }

    /// The accepting side's hello, after the authentication.
    private func handshake(
        authenticated channel: Channel,
        timeout: Duration,
        logger: Logger,
        events: PeerConnection.Events,
        onPeer: @Sendable (PeerConnection) -> Void
    ) async {
        let hello: Hello
        do {
            hello = try await withExpiry(timeout) {
                guard case .hello(let hello) = try await channel.receive() else {
                    throw TractorError(.handshakeFailed, "the first message was not hello")
                }
                return hello
            } expire: {
                channel.close()
            }
        } catch {
            logger.warning("refused an authenticated TCP connection: \(error)")
            channel.close()
            return
        }
        guard hello.version == tractorWireVersion else {
            let error = TractorError(
                .handshakeFailed,
                "wire version \(hello.version) is not supported; this actor speaks version \(tractorWireVersion)"
            )
            logger.warning("refused a TCP connection from \(hello.actor): \(error.message)")
            try? channel.send(.error(cid: nil, .describing(error, in: identity, job: nil)))
            channel.close()
            return
        }
        do {
            try channel.send(.hello(Hello(actor: identity, cookie: [])))
        } catch {
            channel.close()
            return
        }
        let connection = PeerConnection(
            channel: channel, local: identity, remote: hello.actor, initiator: false, server: jobTable, events: events
        )
        adopt(connection)
        onPeer(connection)
    }
}

/// A TCP listener of the runtime (``ActorRuntime/listenTCP(on:configuration:secret:events:onPeer:)``) and the
/// handshakes of the connections it accepted.
package final class TCPPeerListener: Sendable {
    private let listener: TCPListener
    private let handshakes: HandshakeGroup

    init(listener: TCPListener, handshakes: HandshakeGroup) {
        self.listener = listener
        self.handshakes = handshakes
    }

    /// The address listened on, with the port the kernel chose for port 0.
    package var address: SocketAddress { listener.address }

    /// Stops accepting connections; those accepted already are not affected.
    package func close() {
        listener.close()
        handshakes.close()
    }
}
