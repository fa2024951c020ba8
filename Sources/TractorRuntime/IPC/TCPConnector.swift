//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// Makes TCP connections: resolves the endpoint, connects without blocking (the loop thread hears when the
/// connection is made), within a time limit, with the options of ``TCPConfiguration`` set, and authenticates.
///
/// ```swift
/// let channel = try await TCPConnector.connect(
///     to: TCPEndpoint(parsing: "head.cluster:7000"), configuration: TCPConfiguration(),
///     secret: try TractorSecret.load(file: nil), maximumFrameSize: 64 << 20
/// )
/// ```
package enum TCPConnector {
    /// Connects to `endpoint` and authenticates; returns a channel over the connection.
    ///
    /// - Throws: ``TractorError``: `.invalidArgument` for an unknown host or port 0; `.systemCallFailed` when no
    ///   address took the connection (refused, unreachable: the message names each address and why); `.timedOut`
    ///   past ``TCPConfiguration/connectTimeout``; `.handshakeFailed` when the peer does not prove it holds the
    ///   secret or is not a Tractor host; `.cancelled` when the calling task is cancelled.
    package static func connect(
        to endpoint: TCPEndpoint,
        configuration: TCPConfiguration,
        secret: TractorSecret,
        maximumFrameSize: Int,
        loop: IOLoop = .shared
    ) async throws(TractorError) -> Channel {
        let transport = try await connect(to: endpoint, configuration: configuration, loop: loop)
        return try await TransportAuthenticator.authenticate(
            transport, role: .connector, secret: secret, timeout: configuration.authenticationTimeout,
            maximumFrameSize: maximumFrameSize
        )
    }

    /// Connects to `endpoint`, trying its addresses in the resolver's order; returns the connection, not started and
    /// not authenticated.
    ///
    /// - Throws: As ``connect(to:configuration:secret:maximumFrameSize:loop:)``, but for `.handshakeFailed`.
    package static func connect(
        to endpoint: TCPEndpoint,
        configuration: TCPConfiguration,
        loop: IOLoop = .shared
    ) async throws(TractorError) -> SocketTransport {
        guard endpoint.port != 0 else {
            throw TractorError(.invalidArgument, "cannot connect to \(endpoint): port 0 names no listener")
        }
        let addresses = try await endpoint.resolve()
        let deadline = ContinuousClock.now + configuration.connectTimeout
        var failures: [String] = []
        var lastError: TractorError?
        for address in addresses {
            let remaining = deadline - .now
            guard remaining > .zero else { break }
            do {
                return try await connect(to: address, configuration: configuration, timeout: remaining, loop: loop)
            } catch where error.code == .cancelled {
                throw error
            } catch {
                failures.append("\(address): \(error.message)")
                lastError = error
            }
        }
        guard let lastError, lastError.code != .timedOut || addresses.count > 1 else {
            throw TractorError(.timedOut, "connecting to \(endpoint) took longer than \(configuration.connectTimeout)")
        }
        throw TractorError(
            lastError.code,
            "cannot connect to \(endpoint): \(failures.joined(separator: "; "))",
            cause: lastError.cause ?? lastError
        )
    }

    /// Connects to one address within `timeout`.
    static func connect(
        to address: SocketAddress,
        configuration: TCPConfiguration,
        timeout: Duration,
        loop: IOLoop
    ) async throws(TractorError) -> SocketTransport {
        let fd = try sys_socket_tcp(family: address.family)
        let connectedAtOnce: Bool
        do throws(TractorError) {
            try configuration.applyConnectionOptions(to: fd)
            switch sys_connect_start(fd, address: address) {
            case .success(let connected): connectedAtOnce = connected
            case .failure(let error):
                throw TractorError(.systemCallFailed, "connect(\(address)) failed: \(error)", cause: error)
            }
        } catch {
            sys_close(fd)
            throw error
        }
        let transport = SocketTransport(fd: fd, peer: address, loop: loop)
        if connectedAtOnce { return transport }
        let waiter = ConnectionWaiter(transport: transport, address: address, timeout: timeout)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { waiter.start($0) }
        } onCancel: {
            waiter.cancel()
        }
        return try result.get()
    }
}

/// Waits on the loop thread for a non-blocking `connect` to end: the socket becomes writable (connected) or reports an
/// error, or the time runs out, or the caller is cancelled; whichever comes first resumes the caller, once.
private final class ConnectionWaiter: TransportHandler {
    typealias Outcome = Result<SocketTransport, TractorError>
    private let transport: SocketTransport
    private let address: SocketAddress
    private let timeout: Duration
    private let continuation = Mutex<(waiting: CheckedContinuation<Outcome, Never>?, cancelled: Bool)>((nil, false))
    /// The connect has ended; later readiness (until the next handler takes over) is not this waiter's. Loop thread.
    nonisolated(unsafe) private var ended = false

    init(transport: SocketTransport, address: SocketAddress, timeout: Duration) {
        self.transport = transport
        self.address = address
        self.timeout = timeout
    }

    func start(_ continuation: CheckedContinuation<Outcome, Never>) {
        let cancelled = self.continuation.withLock { state -> Bool in
            state.waiting = continuation
            return state.cancelled
        }
        let loop = transport.loop
        transport.start(self)
        loop.execute { [self] in
            if cancelled {
                finish(.failure(TractorError(.cancelled, "connecting to \(address) was cancelled")))
            } else {
                transport.setWritableInterest(true)
            }
        }
        loop.execute(after: timeout) { [self] in
            finish(.failure(TractorError(.timedOut, "connecting to \(address) took longer than \(timeout)")))
        }
    }

    func cancel() {
        continuation.withLock { $0.cancelled = true }
        transport.loop.execute { [self] in
            finish(.failure(TractorError(.cancelled, "connecting to \(address) was cancelled")))
        }
    }

    func transportWritable() { connectionEnded() }
    func transportReadable() { connectionEnded() }

    /// The socket is writable or has an error: `SO_ERROR` says whether it connected.
    private func connectionEnded() {
        guard !ended else { return }
        ended = true
        if let error = sys_socket_error(transport.fd) {
            finish(.failure(TractorError(.systemCallFailed, "connect(\(address)) failed: \(error)", cause: error)))
        } else {
            transport.setWritableInterest(false)
            finish(.success(transport))
        }
    }

    /// Resumes the caller with `outcome` unless it was resumed already; on the loop thread.
    private func finish(_ outcome: Outcome) {
        guard let waiting = continuation.withLock({ state in
            defer { state.waiting = nil }
            return state.waiting
        }) else { return }
        if case .failure = outcome { transport.close() }
        waiting.resume(returning: outcome)
    }
}
