//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

/// The head's side of host agents: the TCP listener agents and their actors join, the hosts that joined, and the
/// actors' connections as they arrive.
///
/// Every connection is authenticated with the run's secret (see
/// ``ActorRuntime/listenTCP(on:configuration:secret:events:onPeer:)``). The head asks each new connection to `describe`
/// itself: an agent answers with its ``HostDescription`` and becomes a ``RemoteHost``; an actor started by an agent
/// serves no such job, and is kept by its uid for the ``RemoteHost/startActor(_:)`` that asked for it.
package final class AgentListener: Sendable {
    private let listener: TCPPeerListener
    let hostsByName: Rendezvous<RemoteHost>
    let actorsByUID: Rendezvous<PeerConnection>

    init(listener: TCPPeerListener, hosts: Rendezvous<RemoteHost>, actors: Rendezvous<PeerConnection>) {
        self.listener = listener
        self.hostsByName = hosts
        self.actorsByUID = actors
    }

    /// Waits until `count` hosts have joined, and returns their names, sorted.
    ///
    /// ```swift
    /// let names = try await agents.waitForHosts(2)
    /// ```
    ///
    /// - Throws: ``TractorError`` `.timedOut` past `timeout`; `CancellationError`.
    package func waitForHosts(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [String] {
        try await hostsByName.wait(count: count, timeout: timeout, what: "\(count) hosts to join")
        return hostsByName.values.keys.sorted()
    }

    /// The address listened on, with the port the kernel chose for port 0.
    package var address: SocketAddress { listener.address }

    /// The hosts that have joined, by name.
    package var hosts: [String: RemoteHost] { hostsByName.values }

    /// Waits until the host named `name` has joined.
    ///
    /// ```swift
    /// let node = try await agents.waitForHost(named: "node-2")
    /// ```
    ///
    /// - Throws: ``TractorError`` `.timedOut` past `timeout`; `.scopeClosed` once the listener is closed;
    ///   `CancellationError`.
    package func waitForHost(named name: String, timeout: Duration = .seconds(60)) async throws -> RemoteHost {
        try await hostsByName.wait(for: name, timeout: timeout, what: "host '\(name)' to join")
    }

    /// Stops accepting connections and fails every waiter with `.scopeClosed`. Hosts already joined keep their
    /// connections.
    package func close() {
        listener.close()
        hostsByName.close(reason: "the agent listener was closed")
        actorsByUID.close(reason: "the agent listener was closed")
    }
}

extension ActorRuntime {
    /// Listens on `endpoint` for host agents (`pool-worker serve --connect HOST:PORT`) and the actors they start.
    ///
    /// ```swift
    /// let agents = try await ActorRuntime.shared.listenForAgents(on: "0.0.0.0:0")
    /// print("agents: pool-worker serve --connect HEAD:\(agents.address.port)")
    /// let node = try await agents.waitForHost(named: "node-2")
    /// let portal = try await node.startActor(RemoteSpawnRequest(name: "w", jobs: [], executable: path))
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: `HOST:PORT`; port 0 picks a free port (read it from ``AgentListener/address``).
    ///   - configuration: Socket options, time limits and where the secret comes from.
    ///   - secret: The run's secret; `nil` loads it as the configuration says.
    /// - Returns: The listener; ``AgentListener/close()`` stops it.
    /// - Throws: ``TractorError`` as ``listenTCP(on:configuration:secret:events:onPeer:)``.
    package func listenForAgents(
        on endpoint: String,
        configuration: TCPConfiguration = TCPConfiguration(),
        secret: TractorSecret? = nil
    ) async throws(TractorError) -> AgentListener {
        let hosts = Rendezvous<RemoteHost>()
        let actors = Rendezvous<PeerConnection>()
        let logger = configuration.logger ?? self.logger
        let timeout = configuration.authenticationTimeout
        let closedHandlers = ClosedHandlers()
        let lost = LostIncarnations()
        let watch = (interval: configuration.heartbeatInterval, silenceLimit: configuration.hostSilenceLimit)
        var events = PeerConnection.Events()
        events.closed = { connection, reason in closedHandlers.closed(connection, reason) }
        events.actorMessage = { connection, message in closedHandlers.actorMessage(connection, message) }
        let listener = try await listenTCP(
            on: endpoint, configuration: configuration, secret: secret, events: events
        ) { peer in
            Task {
                await Self.identify(
                    peer, hosts: hosts, actors: actors, closedHandlers: closedHandlers, lost: lost, watch: watch,
                    timeout: timeout, logger: logger
                )
            }
        }
        return AgentListener(listener: listener, hosts: hosts, actors: actors)
    }

    /// Asks a new connection whether it is an agent; keeps it as a host or as an actor.
    private static func identify(
        _ peer: PeerConnection,
        hosts: Rendezvous<RemoteHost>,
        actors: Rendezvous<PeerConnection>,
        closedHandlers: ClosedHandlers,
        lost: LostIncarnations,
        watch: (interval: Duration, silenceLimit: Duration),
        timeout: Duration,
        logger: Logger
    ) async {
        let description: HostDescription
        do {
            let reply = try await withTimeout(timeout) {
                try await peer.call(job: HostAgentJobs.describe, payload: try MessagePackEncoder().encode(NoInput()))
            }
            description = try MessagePackDecoder().decode(HostDescription.self, from: reply)
        } catch let error as RemoteActorError where error.code == "unknownJob" {
            // An actor, not an agent.
            actors.publish(peer, for: peer.remote.uid)
            peer.channel.attachCloseObserver { actors.remove(peer.remote.uid) { $0 === peer } }
            return
        } catch {
            logger.warning("refused a TCP peer \(peer.remote) that did not describe itself: \(error)")
            peer.channel.close()
            return
        }
        if let verdict = lost.verdict(for: description.incarnation) {
            let refusal = "refused \(description): that incarnation was declared lost (\(verdict.message)); an agent "
                + "that comes back must start again, with a new incarnation"
            logger.warning("\(refusal)")
            peer.channel.close()
            return
        }
        // A name given with --name is the host's own: a second agent under it is refused. A default name (the host
        // name, which agents in containers or namespaces of one machine share) is made unique: node, node-2, ….
        let candidates = [description.name] + (description.nameIsDefault ? (2...256).map { "\(description.name)-\($0)" } : [])
        guard
            let (name, host) = hosts.publish(
                underFirstFreeOf: candidates, isTaken: { $0.isConnected },
                { name in
                    var named = description
                    named.name = name
                    return RemoteHost(description: named, connection: peer, actors: actors, closedHandlers: closedHandlers)
                }
            )
        else {
            logger.warning("refused \(description): host '\(description.name)' has already joined")
            peer.channel.close()
            return
        }
        peer.channel.attachCloseObserver { hosts.remove(name) { $0 === host } }
        host.onLost { verdict in
            lost.insert(description.incarnation, verdict)
            hosts.remove(name) { $0 === host }
        }
        // The agent's connection closing (end of stream, reset, TCP_USER_TIMEOUT, keepalive) loses the host.
        closedHandlers.set(peer.remote.uid) { _, reason in
            host.declareLost("its agent's connection closed (\(reason.message))", logger: logger)
        }
        if let reason = peer.channel.closeReason {
            host.declareLost("its agent's connection closed (\(reason.message))", logger: logger)
            return
        }
        _ = host.watch(interval: watch.interval, silenceLimit: watch.silenceLimit, logger: logger)
        if name != description.name {
            logger.info("host '\(description.name)' has joined already: this agent joins as '\(name)'")
        }
        logger.info("\(host.description) joined")
    }
}

/// The incarnations of the hosts declared lost, with their verdicts: an agent that comes back with one is refused.
final class LostIncarnations: Sendable {
    private let verdicts = Mutex<[String: TractorError]>([:])

    func insert(_ incarnation: String, _ verdict: TractorError) {
        verdicts.withLock { $0[incarnation] = verdict }
    }

    func verdict(for incarnation: String) -> TractorError? {
        verdicts.withLock { $0[incarnation] }
    }
}
