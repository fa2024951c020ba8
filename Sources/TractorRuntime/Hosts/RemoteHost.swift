//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A host whose agent has joined the head: its description, and actors started on it.
///
/// Get one from ``AgentListener/waitForHost(named:timeout:)``.
package final class RemoteHost: Sendable {
    /// What the agent reported: the host's name, its incarnation and its topology.
    package let description: HostDescription
    /// The agent's connection.
    let connection: PeerConnection
    private let actors: Rendezvous<PeerConnection>
    /// What happens when an actor's connection closes, by uid.
    let closedHandlers: ClosedHandlers
    /// Whether the host is alive, and the verdict once it is lost.
    let liveness = HostLiveness()

    init(
        description: HostDescription, connection: PeerConnection, actors: Rendezvous<PeerConnection>,
        closedHandlers: ClosedHandlers
    ) {
        self.description = description
        self.connection = connection
        self.actors = actors
        self.closedHandlers = closedHandlers
    }

    /// Whether the agent's connection is still open.
    package var isConnected: Bool { !connection.channel.isClosed && liveness.verdict == nil }

    /// Why the host was lost (a ``TractorError`` `.hostLost` naming it and the reason), or `nil` while it is alive.
    ///
    /// ```swift
    /// if let lost = node.lost { print(lost.message) }   // "host 'node-2' (…) was lost: silent for 5.0 s (…)"
    /// ```
    package var lost: TractorError? { liveness.verdict }

    /// Calls `handler` once with the verdict when the host is lost; at once if it is.
    ///
    /// ```swift
    /// node.onLost { verdict in logger.warning("\(verdict.message)") }
    /// ```
    ///
    /// - Returns: A token that ``removeLostHandler(_:)`` takes.
    @discardableResult
    package func onLost(_ handler: @escaping @Sendable (TractorError) -> Void) -> UInt64 {
        liveness.onLost(handler)
    }

    /// Forgets a handler given to ``onLost(_:)``, which need not hear the verdict any more.
    ///
    /// ```swift
    /// let token = node.onLost { verdict in print(verdict.message) }
    /// node.removeLostHandler(token)
    /// ```
    package func removeLostHandler(_ token: UInt64) {
        liveness.removeHandler(token)
    }

    /// The host's name.
    package var name: String { description.name }

    /// Starts an actor beneath the agent; it connects to the head directly over TCP (authenticated with the run's
    /// secret), and the portal returned reaches it over that connection.
    ///
    /// The agent is the actor's parent process: it started it as a local parent would (same spawn spec, binding and
    /// teardown ladder), and it tears it down when asked (``stopActor(_:)``) or when it loses the head.
    ///
    /// ```swift
    /// let worker = try await node.startActor(RemoteSpawnRequest(name: "w", jobs: ["echo"], executable: path))
    /// print(try await worker.run(echo, "hi"))
    /// ```
    ///
    /// - Throws: ``RemoteActorError`` when the agent could not start it (relayed from the agent: `spawnFailed`,
    ///   `handshakeFailed`, `scopeClosed`); ``TractorError`` `.timedOut` when it did not join the head within the
    ///   runtime's spawn timeout, `.channelClosed` when the agent went away.
    package func startActor(_ request: RemoteSpawnRequest) async throws -> Portal {
        Portal(connection: try await startActorConnection(request), child: nil)
    }

    /// Starts an actor beneath the agent, as ``startActor(_:)``, and returns its connection to the head.
    func startActorConnection(_ request: RemoteSpawnRequest) async throws -> PeerConnection {
        let reply = try await connection.call(job: HostAgentJobs.spawn, payload: try MessagePackEncoder().encode(request))
        let actor = try MessagePackDecoder().decode(ActorID.self, from: reply)
        let timeout = ActorRuntime.shared.configuration.spawnTimeout
        let joined = try await actors.wait(
            for: actor.uid, timeout: timeout, what: "actor \(actor) on host '\(name)' to join the head"
        )
        // Its calls fail with the host's verdict once the host is lost.
        liveness.add(joined)
        joined.remoteHost = name
        return joined
    }

    /// Runs the cancellation ladder on an actor of this host, in its agent, and waits for its end.
    ///
    /// ```swift
    /// print(try await node.stopActor(worker.actor))   // "cancelled: exited with status 0"
    /// ```
    ///
    /// - Returns: How the actor ended, as the agent reports it.
    /// - Throws: ``RemoteActorError`` `unknownActor` when the agent has no such actor; ``TractorError``
    ///   `.decodingFailed` when the agent's answer is not an outcome.
    package func stopActor(_ actor: ActorID) async throws -> TeardownOutcome {
        let reply = try await connection.call(job: HostAgentJobs.stop, payload: try MessagePackEncoder().encode(actor.uid))
        let outcome = try MessagePackDecoder().decode(RemoteTeardownOutcome.self, from: reply)
        guard let decoded = outcome.outcome else {
            throw TractorError(.decodingFailed, "host '\(name)' answered the stop of \(actor) with \(outcome)")
        }
        return decoded
    }

    /// Asks the agent to send `signal` to an actor beneath it, as a local parent would signal its child.
    ///
    /// ```swift
    /// _ = try await node.signalActor(worker.actor, SIGKILL)
    /// ```
    ///
    /// - Returns: Whether the agent had the actor (it may have ended already).
    /// - Throws: ``TractorError`` `.channelClosed` when the agent went away.
    @discardableResult
    package func signalActor(_ actor: ActorID, _ signal: Int32) async throws -> Bool {
        let request = RemoteSignalRequest(uid: actor.uid, signal: signal)
        let reply = try await connection.call(job: HostAgentJobs.signal, payload: try MessagePackEncoder().encode(request))
        return try MessagePackDecoder().decode(Bool.self, from: reply)
    }

    /// Closes the agent's connection: the agent runs the cancellation ladder on every actor beneath it and exits.
    ///
    /// ```swift
    /// node.disconnect()
    /// ```
    package func disconnect() {
        connection.channel.close()
    }
}
