//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorRuntime

/// Two actors' connections in one process: a caller (a portal on `client`) and a server of `jobs`, joined by the
/// handshake the runtime runs, over an in-memory transport pair (no process, no socket) or an authenticated TCP
/// loopback connection (see ``PeerTransport``).
struct InMemoryPeers {
    static let clientID = ActorID(name: "caller", uid: "c-1", pid: 1)
    static let serverID = ActorID(name: "server", uid: "s-1", pid: 2)

    let client: PeerConnection
    let server: PeerConnection
    let portal: Portal
    /// Why each side's connection closed, as its owner hears it.
    let clientClosed: Recorder<TractorError>
    let serverClosed: Recorder<TractorError>

    /// Connects over `transport`, handshakes and wraps both ends; each direction of the transport holds at most
    /// `capacity` bytes (see ``PeerTransport/channelPair(capacity:maximumFrameSize:)``).
    static func connect(
        serving jobs: [any JobDefinition],
        capacity: Int = 1 << 16,
        maximumFrameSize: Int = 1 << 20,
        over transport: PeerTransport = .memory
    ) async throws -> InMemoryPeers {
        let (clientChannel, serverChannel) = try await transport.channelPair(
            capacity: capacity, maximumFrameSize: maximumFrameSize
        )
        let cookie: [UInt8] = [1, 2, 3, 4]
        try clientChannel.send(.hello(Hello(actor: clientID, cookie: cookie)))
        guard case .hello(let hello) = try await serverChannel.receive() else {
            throw TractorError(.handshakeFailed, "the first message was not hello")
        }
        try serverChannel.send(.hello(Hello(actor: serverID, cookie: hello.cookie)))
        guard case .hello(let answer) = try await clientChannel.receive(), answer.cookie == cookie else {
            throw TractorError(.handshakeFailed, "the server did not answer with hello and the cookie")
        }
        let clientClosed = Recorder<TractorError>()
        let serverClosed = Recorder<TractorError>()
        var clientEvents = PeerConnection.Events()
        clientEvents.closed = { connection, reason in
            connection.failCalls(with: reason)
            clientClosed.record(reason)
        }
        var serverEvents = PeerConnection.Events()
        serverEvents.closed = { connection, reason in
            connection.failCalls(with: reason)
            serverClosed.record(reason)
        }
        let table = JobTable(
            actor: serverID,
            jobs: Dictionary(try jobs.map { ($0.name, try $0.erased()) }, uniquingKeysWith: { first, _ in first })
        )
        let server = PeerConnection(
            channel: serverChannel, local: serverID, remote: hello.actor, initiator: false, server: table,
            events: serverEvents
        )
        let client = PeerConnection(
            channel: clientChannel, local: clientID, remote: answer.actor, initiator: true, server: nil,
            events: clientEvents
        )
        return InMemoryPeers(
            client: client, server: server, portal: Portal(connection: client, child: nil),
            clientClosed: clientClosed, serverClosed: serverClosed
        )
    }

    /// Closes both ends and waits for the jobs served to end.
    func close() async {
        client.channel.close()
        server.channel.close()
        server.cancelServed()
        await server.waitForServed()
    }
}

/// Values recorded from any thread, awaited in order by a test: events instead of sleeps.
final class Recorder<Value: Sendable>: Sendable {
    private let state = Mutex<(values: [Value], waiters: [(Int, CheckedContinuation<Value, Never>)])>(([], []))

    func record(_ value: Value) {
        let ready = state.withLock { state -> [(CheckedContinuation<Value, Never>, Value)] in
            state.values.append(value)
            let values = state.values
            let ready = state.waiters.filter { $0.0 < values.count }.map { ($0.1, values[$0.0]) }
            state.waiters.removeAll { $0.0 < values.count }
            return ready
        }
        for (waiter, value) in ready { waiter.resume(returning: value) }
    }

    /// The value recorded at `index` (0: the first), once it is.
    func value(at index: Int = 0) async -> Value {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Value? in
                if index < state.values.count { return state.values[index] }
                state.waiters.append((index, continuation))
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    var values: [Value] { state.withLock { $0.values } }
}
