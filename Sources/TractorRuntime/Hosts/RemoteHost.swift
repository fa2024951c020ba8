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

    init(description: HostDescription, connection: PeerConnection, actors: Rendezvous<PeerConnection>) {
        self.description = description
        self.connection = connection
        self.actors = actors
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
        let reply = try await connection.call(job: HostAgentJobs.spawn, payload: try MessagePackEncoder().encode(request))
        let actor = try MessagePackDecoder().decode(ActorID.self, from: reply)
        let timeout = ActorRuntime.shared.configuration.spawnTimeout
        let peer = try await actors.wait(
            for: actor.uid, timeout: timeout, what: "actor \(actor) on host '\(name)' to join the head"
        )
        return Portal(connection: peer, child: nil)
    }

    /// Runs the cancellation ladder on an actor of this host, in its agent, and waits for its end.
    ///
    /// ```swift
    /// print(try await node.stopActor(worker.actor))   // "cancelled: exited with status 0"
    /// ```
    ///
    /// - Returns: How the actor ended, as the agent describes it.
    /// - Throws: ``RemoteActorError`` `unknownActor` when the agent has no such actor.
    package func stopActor(_ actor: ActorID) async throws -> String {
        let reply = try await connection.call(job: HostAgentJobs.stop, payload: try MessagePackEncoder().encode(actor.uid))
        return try MessagePackDecoder().decode(String.self, from: reply)
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
