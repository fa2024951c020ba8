//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What a host agent tells the head about its host, once it has joined.
///
/// The agent (`pool-worker serve --connect HOST:PORT`) answers the head's `tractor.agent.describe` call with it.
package struct HostDescription: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The host's name for placements: `--name`, or the host name.
    package var name: String
    /// Whether ``name`` is the default (the host name, no `--name`): the head then makes it unique among the hosts
    /// joined (`node`, `node-2`, …) rather than refusing a second agent under it.
    package var nameIsDefault: Bool
    /// A random value fixed for the agent's life: an agent started again on the same host has another.
    package var incarnation: String
    /// The agent process (its runtime's identity).
    package var agent: ActorID
    /// The address the agent says it is reachable at (`--advertise`), if it said.
    package var advertisedAddress: String?
    /// The host's topology within the agent's allowed CPUs, as `pool-worker topology --json` prints it.
    package var topologyJSON: String
    /// The same topology as the pool library's `Topology` value, MessagePack-encoded, for a head that places workers
    /// on the host; empty when the agent did not send it.
    package var topology: [UInt8]

    package init(
        name: String, incarnation: String, agent: ActorID, advertisedAddress: String?, topologyJSON: String,
        topology: [UInt8] = [], nameIsDefault: Bool = false
    ) {
        self.name = name
        self.nameIsDefault = nameIsDefault
        self.incarnation = incarnation
        self.agent = agent
        self.advertisedAddress = advertisedAddress
        self.topologyJSON = topologyJSON
        self.topology = topology
    }

    package var description: String { "host '\(name)' (agent \(agent), incarnation \(incarnation))" }
}

/// The head's request to start an actor beneath an agent.
package struct RemoteSpawnRequest: Sendable, Hashable, Codable {
    /// The actor's name.
    package var name: String
    /// The jobs to enable; empty enables every job its program serves.
    package var jobs: [String]
    /// The program's path on the agent's host.
    package var executable: String
    /// Its arguments after `argv[0]`.
    package var arguments: [String]
    /// CPUs to bind the actor to (empty: unbound) and the NUMA node for its memory.
    package var cpus: [UInt32]
    package var memoryNode: Int32?

    package init(
        name: String, jobs: [String], executable: String, arguments: [String] = [], cpus: [UInt32] = [],
        memoryNode: Int32? = nil
    ) {
        self.name = name
        self.jobs = jobs
        self.executable = executable
        self.arguments = arguments
        self.cpus = cpus
        self.memoryNode = memoryNode
    }

    var binding: BindingSpec? {
        cpus.isEmpty && memoryNode == nil ? nil : BindingSpec(cpus: cpus, memoryNode: memoryNode)
    }
}

/// The head's request to signal an actor beneath an agent (a pool kills a worker whose job ignores its
/// cancellation this way).
package struct RemoteSignalRequest: Sendable, Hashable, Codable {
    /// The actor's uid.
    package var uid: String
    /// The signal's number, such as `SIGKILL`.
    package var signal: Int32

    package init(uid: String, signal: Int32) {
        self.uid = uid
        self.signal = signal
    }
}

/// An agent's request to one of its actors: connect to the head over TCP, authenticated with the run's secret.
///
/// It travels over the actor's private Unix socket (a `0700` directory and a one-time cookie), never on a command
/// line or in the environment.
struct HeadJoinRequest: Sendable, Codable {
    var endpoint: String
    var secret: String
}

/// The jobs of the head↔agent protocol: built-in jobs on the agent's authenticated connection.
///
/// The head calls `describe`, `spawn` and `stop` on its agents; an agent calls `join` on the actors it starts (every
/// actor serves it). Their inputs and outputs are MessagePack like any job's, so a malformed request is a decoding
/// error that fails one call, never the connection.
package enum HostAgentJobs {
    /// Agent: answers with its ``HostDescription``.
    package static let describe = "tractor.agent.describe"
    /// Agent: starts an actor (``RemoteSpawnRequest``) that connects to the head, and answers with its identity.
    package static let spawn = "tractor.agent.spawn"
    /// Agent: runs the cancellation ladder on one of its actors (by uid) and answers with its outcome.
    package static let stop = "tractor.agent.stop"
    /// Agent: sends a signal to one of its actors (``RemoteSignalRequest``), as a local parent would; answers
    /// whether the actor was there to signal.
    package static let signal = "tractor.agent.signal"
    /// Agent: notes that the head is alive (a ``HeartbeatRequest``, which says the head's silence limit) and answers
    /// at once with its incarnation.
    package static let heartbeat = "tractor.agent.heartbeat"

    /// Every actor: connect to the head at the given endpoint with the given secret, serve it, and acknowledge a
    /// cancellation to it as to the parent.
    static let join = Job("tractor.head.join") { (request: HeadJoinRequest) -> ActorID in
        let secret = try TractorSecret(encoded: Array(request.secret.utf8), source: "the agent's join request")
        let connection = try await ActorRuntime.shared.connectTCP(to: request.endpoint, secret: secret)
        acknowledgeCancellation(toHead: connection)
        return connection.local
    }
}
