//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

extension ActorRuntime {
    /// The listener of
    /// ``Tractor/listenForAgents(on:secretFile:heartbeatInterval:hostSilenceLimit:)``,
    /// kept for the life of the process.
    private static let agentListenerStorage = Mutex<AgentListener?>(nil)

    /// The runtime's agent listener, once this process listens for host agents.
    package static var agentListener: AgentListener? { agentListenerStorage.withLock { $0 } }

    /// Keeps `listener` as the runtime's; returns `false` (and keeps the first) if one is kept already.
    static func keepAgentListener(_ listener: AgentListener) -> Bool {
        agentListenerStorage.withLock { kept in
            if kept != nil { return false }
            kept = listener
            return true
        }
    }
}

extension Tractor {
    /// Makes this program a head: listens for host agents (`pool-worker serve --connect HOST:PORT`) and the actors
    /// they start, for the rest of the process's life, and returns the bound address.
    ///
    /// Every connection must prove it holds the run's secret (a mutual HMAC-SHA256 challenge). Once hosts have joined
    /// (``waitForHosts(_:timeout:)``), ``ActorNursery/startActor(_:on:jobs:executable:)`` starts actors on them.
    ///
    /// ```swift
    /// let address = try await Tractor.listenForAgents(on: "0.0.0.0:0")
    /// print("start agents with: pool-worker serve --connect HEAD:\(address.split(separator: ":").last!)")
    /// let hosts = try await Tractor.waitForHosts(2)
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: `HOST:PORT` or `[IPV6]:PORT`; port 0 picks a free port.
    ///   - secretFile: A file holding the run's secret (64 hex digits); `nil` reads `TRACTOR_SECRET`.
    ///   - heartbeatInterval: How often each joined host is asked whether it is alive. Default 1 second.
    ///   - hostSilenceLimit: How long a host may leave the heartbeats unanswered before it is lost (its actors' calls
    ///     fail with `.hostLost`); its agent gives the head up after as long without hearing it. Default 5 seconds.
    /// - Returns: The bound address, `HOST:PORT`, with the port the kernel chose for port 0.
    /// - Throws: ``TractorError`` `.invalidArgument` for a malformed endpoint, a missing secret, a silence limit not
    ///   longer than the heartbeat interval, or when this process listens for agents already; `.systemCallFailed`
    ///   when the address cannot be bound.
    @discardableResult
    public static func listenForAgents(
        on endpoint: String,
        secretFile: String? = nil,
        heartbeatInterval: Duration = .seconds(1),
        hostSilenceLimit: Duration = .seconds(5)
    ) async throws -> String {
        guard heartbeatInterval > .zero, hostSilenceLimit > heartbeatInterval else {
            throw TractorError(
                .invalidArgument,
                "hostSilenceLimit (\(hostSilenceLimit)) must be longer than a positive heartbeatInterval "
                    + "(\(heartbeatInterval)), or a live host would be lost between two heartbeats"
            )
        }
        var configuration = TCPConfiguration()
        configuration.heartbeatInterval = heartbeatInterval
        configuration.hostSilenceLimit = hostSilenceLimit
        return try await listenForAgents(
            on: endpoint, secret: TractorSecret.load(file: secretFile), configuration: configuration
        )
    }

    /// Listens for host agents with a secret given here. Not API.
    @discardableResult
    package static func listenForAgents(
        on endpoint: String,
        secret: TractorSecret,
        configuration: TCPConfiguration = TCPConfiguration()
    ) async throws -> String {
        guard ActorRuntime.agentListener == nil else {
            throw TractorError(.invalidArgument, "this process listens for host agents already")
        }
        let listener = try await ActorRuntime.shared.listenForAgents(
            on: endpoint, configuration: configuration, secret: secret
        )
        guard ActorRuntime.keepAgentListener(listener) else {
            listener.close()
            throw TractorError(.invalidArgument, "this process listens for host agents already")
        }
        return "\(listener.address)"
    }

    /// Waits until at least `count` host agents have joined, and returns the names of those joined, sorted.
    ///
    /// ```swift
    /// let hosts = try await Tractor.waitForHosts(2, timeout: .seconds(30))   // ["node-1", "node-2"]
    /// ```
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` before
    ///   ``listenForAgents(on:secretFile:heartbeatInterval:hostSilenceLimit:)``; `.timedOut` past `timeout`;
    ///   `CancellationError`.
    public static func waitForHosts(_ count: Int, timeout: Duration = .seconds(60)) async throws -> [String] {
        guard let agents = ActorRuntime.agentListener else {
            throw TractorError(.invalidArgument, "waitForHosts needs Tractor.listenForAgents(on:) first")
        }
        return try await agents.waitForHosts(count, timeout: timeout)
    }

    /// The names of the hosts whose agents are connected now, sorted; empty when this process is not a head.
    ///
    /// ```swift
    /// for host in Tractor.hosts { print(host) }
    /// ```
    public static var hosts: [String] {
        ActorRuntime.agentListener?.hosts.filter(\.value.isConnected).keys.sorted() ?? []
    }
}
