//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Runs the mutual authentication (``AuthenticationStateMachine``) over a new ``Transport`` on its loop thread, then
/// hands the transport to a ``Channel``, or closes it.
///
/// Nothing is framed before the end: the authenticator reads exactly the bytes each message of the handshake has,
/// so the first byte after it is the channel's. A peer that sends anything else, closes, or stays silent past the
/// deadline has its connection closed, and no frame of it is ever read. Several connections authenticate at once,
/// independently: one peer's garbage or silence does not delay another's.
///
/// ```swift
/// let channel = try await TransportAuthenticator.authenticate(
///     transport, role: .connector, secret: secret, timeout: .seconds(10), maximumFrameSize: 64 << 20
/// )
/// ```
package final class TransportAuthenticator: TransportHandler {
    package typealias Completion = @Sendable (Result<Channel, TractorError>) -> Void

    private let transport: any Transport
    private let timeout: Duration
    private let maximumFrameSize: Int
    // Touched on the loop thread only.
    nonisolated(unsafe) private var machine: AuthenticationStateMachine
    nonisolated(unsafe) private var outbound: [UInt8] = []
    nonisolated(unsafe) private var pendingOutcome: AuthenticationStateMachine.Outcome?
    nonisolated(unsafe) private var writableInterest = false
    nonisolated(unsafe) private var completion: Completion?

    private init(
        transport: any Transport,
        machine: AuthenticationStateMachine,
        timeout: Duration,
        maximumFrameSize: Int,
        completion: @escaping Completion
    ) {
        self.transport = transport
        self.machine = machine
        self.timeout = timeout
        self.maximumFrameSize = maximumFrameSize
        self.completion = completion
    }

    /// Starts authenticating `transport` (not started yet) and returns at once; `completion` hears the outcome, on
    /// the loop thread, exactly once: a ``Channel`` over the transport, or the error (the transport is closed then).
    ///
    /// - Parameters:
    ///   - transport: A new connection; the authenticator starts it.
    ///   - role: This end's role: `.connector` for the end that connected.
    ///   - secret: The run's secret.
    ///   - timeout: How long the whole conversation may take.
    ///   - maximumFrameSize: The channel's maximum frame size.
    ///   - completion: Called once, on the loop thread; a channel it is given reads its first messages into its
    ///     inbox until a handler is attached.
    /// - Returns: The authenticator, for ``cancel()``.
    @discardableResult
    package static func start(
        _ transport: any Transport,
        role: AuthenticationStateMachine.Role,
        secret: TractorSecret,
        timeout: Duration,
        maximumFrameSize: Int,
        completion: @escaping Completion
    ) -> TransportAuthenticator {
        let machine = AuthenticationStateMachine(
            role: role, secret: secret, version: tractorWireVersion, nonce: sys_random_bytes(32)
        )
        let authenticator = TransportAuthenticator(
            transport: transport, machine: machine, timeout: timeout, maximumFrameSize: maximumFrameSize,
            completion: completion
        )
        transport.start(authenticator)
        let loop = transport.loop
        loop.execute { authenticator.perform(authenticator.machine.start()) }
        loop.execute(after: timeout) { authenticator.expire() }
        return authenticator
    }

    /// Authenticates `transport` and returns a channel over it; see
    /// ``start(_:role:secret:timeout:maximumFrameSize:completion:)``.
    ///
    /// - Throws: ``TractorError`` `.handshakeFailed` when the peer does not prove it holds the secret, closes, or
    ///   stays silent past `timeout`; `.cancelled` when the calling task is cancelled.
    package static func authenticate(
        _ transport: any Transport,
        role: AuthenticationStateMachine.Role,
        secret: TractorSecret,
        timeout: Duration,
        maximumFrameSize: Int
    ) async throws(TractorError) -> Channel {
        let started = Mutex<TransportAuthenticator?>(nil)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Channel, TractorError>, Never>) in
                let authenticator = start(
                    transport, role: role, secret: secret, timeout: timeout, maximumFrameSize: maximumFrameSize
                ) { continuation.resume(returning: $0) }
                let cancelled = started.withLock { slot -> Bool in
                    defer { slot = authenticator }
                    return Task.isCancelled
                }
                if cancelled { authenticator.cancel() }
            }
        } onCancel: {
            started.withLock { $0 }?.cancel()
        }
        return try result.get()
    }

    /// Gives up: the connection is closed and the completion hears `.cancelled`.
    package func cancel() {
        transport.loop.execute { [self] in
            finish(.failure(TractorError(.cancelled, "the authentication of a connection was cancelled")))
        }
    }

    // MARK: Loop thread

    package func transportReadable() {
        var buffer = [UInt8](repeating: 0, count: AuthenticationStateMachine.challengeSize)
        while completion != nil, pendingOutcome == nil {
            let wanted = machine.wanted
            guard wanted > 0 else { return }
            let read = buffer.withUnsafeMutableBytes { raw in
                transport.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<wanted]))
            }
            switch read {
            case .bytes(let count):
                perform(machine.receive(buffer[0..<count]))
            case .wouldBlock:
                return
            case .endOfStream:
                finish(.failure(machine.peerClosed()))
            case .failed(let error):
                finish(.failure(machine.peerClosed(error)))
            }
        }
    }

    package func transportWritable() { flush() }

    private func perform(_ action: AuthenticationStateMachine.Action) {
        guard completion != nil else { return }
        outbound += action.send
        if let outcome = action.outcome { pendingOutcome = outcome }
        flush()
    }

    /// Writes what waits; once all is written, ends with the outcome if there is one.
    private func flush() {
        guard completion != nil else { return }
        while !outbound.isEmpty {
            switch outbound.withUnsafeBytes({ transport.write($0) }) {
            case .wrote(let count):
                outbound.removeFirst(count)
            case .wouldBlock:
                if !writableInterest {
                    writableInterest = true
                    transport.setWritableInterest(true)
                }
                return
            case .failed(let error):
                finish(.failure(machine.peerClosed(error)))
                return
            }
        }
        if writableInterest {
            writableInterest = false
            transport.setWritableInterest(false)
        }
        switch pendingOutcome {
        case .authenticated?:
            finish(.success(Channel(transport: transport, maximumFrameSize: maximumFrameSize)))
        case .failed(let error)?:
            finish(.failure(error))
        case nil:
            break
        }
    }

    private func expire() {
        guard completion != nil else { return }
        finish(.failure(machine.expired(after: timeout)))
    }

    private func finish(_ result: Result<Channel, TractorError>) {
        guard let completion else { return }
        self.completion = nil
        if case .failure = result { transport.close() }
        completion(result)
    }
}
