//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// How a host agent joins its head (`pool-worker serve --connect HOST:PORT`).
package struct HostAgentConfiguration: Sendable {
    /// The head's `HOST:PORT`.
    package var head: String
    /// The host's name for placements. Default: the host name.
    package var name: String
    /// Whether ``name`` is the default rather than one given (see ``HostDescription/nameIsDefault``). Default false.
    package var nameIsDefault = false
    /// The address the agent says it is reachable at, reported to the head. Default: none.
    package var advertisedAddress: String?
    /// How long to keep trying to reach the head before giving up. Default 30 s.
    package var connectTimeout: Duration = .seconds(30)
    /// The first pause between two attempts; each failure doubles it, up to ``maximumRetryDelay``. Default 100 ms.
    package var initialRetryDelay: Duration = .milliseconds(100)
    /// The longest pause between two attempts. Default 2 s.
    package var maximumRetryDelay: Duration = .seconds(2)
    /// Socket options and time limits of the connection.
    package var tcp = TCPConfiguration()
    /// The host's topology within the agent's allowed CPUs, as `pool-worker topology --json` prints it.
    package var topologyJSON: String
    /// The host's topology as the pool library's `Topology` value, MessagePack-encoded (see
    /// ``HostDescription/topology``). Default: empty.
    package var topology: [UInt8] = []

    package init(head: String, name: String, topologyJSON: String) {
        self.head = head
        self.name = name
        self.topologyJSON = topologyJSON
    }
}

/// The actors an agent started, by uid, while its nursery is open.
private final class AgentActors: Sendable {
    private let state = Mutex<(nursery: ActorNursery?, portals: [String: Portal])>((nil, [:]))
    /// When the head was last heard (its heartbeats), and whether it was given up.
    let head = HeadWatchdog(silenceLimit: TCPConfiguration().hostSilenceLimit)

    func open(_ nursery: ActorNursery) { state.withLock { $0.nursery = nursery } }
    func close() { state.withLock { $0 = (nil, [:]) } }
    var nursery: ActorNursery? { state.withLock { $0.nursery } }
    func add(_ portal: Portal) { state.withLock { $0.portals[portal.actor.uid] = portal } }
    func remove(_ uid: String) -> Portal? { state.withLock { $0.portals.removeValue(forKey: uid) } }
    func portal(_ uid: String) -> Portal? { state.withLock { $0.portals[uid] } }
}

extension ActorRuntime {
    /// Serves as a host agent: joins the head, starts actors beneath this process on its request, and returns once
    /// the head's connection has closed and every actor beneath it has been torn down (the cancellation ladder).
    /// A head that falls silent (no heartbeat for its silence limit, 5 s by default) or whose connection fails is
    /// lost: the agent tears its actors down the same way, then throws.
    ///
    /// The connection is retried with exponential backoff until ``HostAgentConfiguration/connectTimeout``. Once
    /// joined, the head calls the jobs of ``HostAgentJobs``: `describe` (the ``HostDescription``), `spawn` (an actor
    /// of this process's nursery, which then joins the head over TCP with the same secret), `stop` and `heartbeat`.
    ///
    /// ```swift
    /// var configuration = HostAgentConfiguration(head: "10.0.0.1:7000", name: "node-2", topologyJSON: json)
    /// try await ActorRuntime.shared.serveAsHostAgent(configuration, secret: try TractorSecret.load(file: nil))
    /// ```
    ///
    /// - Throws: ``TractorError`` `.channelClosed` when the head was lost (the message says how: silent for how
    ///   long, or the connection's failure); `.timedOut` when the head could not be reached in time (the message
    ///   names the last failure); `.runtimeUnavailable` (see ``requireRunning()``).
    package func serveAsHostAgent(
        _ configuration: HostAgentConfiguration,
        secret: TractorSecret
    ) async throws {
        try requireRunning()
        let actors = AgentActors()
        let description = HostDescription(
            name: configuration.name, incarnation: Hex.encode(sys_random_bytes(8)), agent: identity,
            advertisedAddress: configuration.advertisedAddress, topologyJSON: configuration.topologyJSON,
            topology: configuration.topology, nameIsDefault: configuration.nameIsDefault
        )
        try configure(self.configuration, jobs: agentJobs(configuration, description, secret, actors))
        var nurseryConfiguration = ActorNurseryConfiguration()
        let logger = self.logger
        nurseryConfiguration.unexpectedExitHandler = { actor, status in
            // The head hears of it on the actor's own connection; the other actors go on.
            logger.warning("actor \(actor) exited unasked: \(status)")
        }
        try await withActorNursery(configuration: nurseryConfiguration) { nursery in
            // Open before joining: the head may ask for an actor as soon as it has the description.
            actors.open(nursery)
            defer { actors.close() }
            actors.head.setSilenceLimit(configuration.tcp.hostSilenceLimit)
            let head = try await connectToHead(configuration, secret: secret)
            logger.info("joined the head at \(configuration.head) as \(description)")
            // Cancelling the agent's task (its launcher's lifeline gone) closes the head's connection: the same end.
            let lost = await withTaskCancellationHandler {
                await actors.head.watch(head, logger: logger)
            } onCancel: {
                head.channel.close()
            }
            if let lost {
                logger.warning("lost the head at \(configuration.head): \(lost); cancelling every actor here")
            } else {
                logger.info("the head closed its connection: cancelling every actor on this host")
            }
        }
        if let lost = actors.head.lost {
            throw TractorError(
                .channelClosed,
                "lost the head at \(configuration.head): \(lost); every actor on this host was torn down"
            )
        }
    }

    /// Connects to the head, retrying with exponential backoff until the configured time limit.
    private func connectToHead(
        _ configuration: HostAgentConfiguration,
        secret: TractorSecret
    ) async throws -> PeerConnection {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.connectTimeout
        var delay = configuration.initialRetryDelay
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await connectTCP(to: configuration.head, configuration: configuration.tcp, secret: secret)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                guard clock.now + delay < deadline else {
                    throw TractorError(
                        .timedOut,
                        "could not reach the head at \(configuration.head) within \(configuration.connectTimeout) "
                            + "(\(attempts) attempts; the last failed with: \(error)); check that the head is "
                            + "listening there and that both sides hold the same secret",
                        cause: error
                    )
                }
                logger.debug("the head at \(configuration.head) is not reachable yet (\(error)); retrying")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, configuration.maximumRetryDelay)
            }
        }
    }

    /// The jobs the agent serves to its head.
    private func agentJobs(
        _ configuration: HostAgentConfiguration,
        _ description: HostDescription,
        _ secret: TractorSecret,
        _ actors: AgentActors
    ) -> [any JobDefinition] {
        let describe = Job(HostAgentJobs.describe) { () -> HostDescription in description }
        let heartbeat = Job(HostAgentJobs.heartbeat) { (request: HeartbeatRequest) -> String in
            actors.head.heard(request)
            return description.incarnation
        }
        let join = HeadJoinRequest(endpoint: configuration.head, secret: secret.hexEncoded())
        let hostName = configuration.name
        let spawn = Job(HostAgentJobs.spawn) { (request: RemoteSpawnRequest) -> ActorID in
            guard let nursery = actors.nursery else {
                throw TractorError(.scopeClosed, "host '\(hostName)' is shutting down and starts no more actors")
            }
            let portal = try await nursery.startActor(
                request.name, jobs: request.jobs,
                executable: .path(request.executable, arguments: request.arguments),
                binding: request.binding
            )
            do {
                _ = try await portal.connection.call(
                    job: HostAgentJobs.join.name, payload: try MessagePackEncoder().encode(join)
                )
            } catch {
                _ = try? await portal.cancelActor()
                throw error
            }
            actors.add(portal)
            return portal.actor
        }
        let stop = Job(HostAgentJobs.stop) { (uid: String) -> RemoteTeardownOutcome in
            guard let portal = actors.remove(uid) else {
                throw TractorError(.unknownActor, "host '\(hostName)' has no actor with uid \(uid)")
            }
            return RemoteTeardownOutcome(try await portal.cancelActor())
        }
        let signal = Job(HostAgentJobs.signal) { (request: RemoteSignalRequest) -> Bool in
            guard let portal = actors.portal(request.uid) else { return false }
            portal.signal(request.signal)
            return true
        }
        return [describe, heartbeat, spawn, stop, signal]
    }
}
