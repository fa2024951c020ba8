//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How ``Tractor/withAgents(launchedBy:configuration:isolation:_:)`` starts host agents and stops them again.
///
/// ```swift
/// var configuration = AgentLaunchConfiguration()
/// configuration.agentExecutable = "/opt/tractor/bin/pool-worker"
/// configuration.headAddress = "10.0.0.1"
/// try await Tractor.withAgents(launchedBy: .ssh(hosts: ["node-1"]), configuration: configuration) { agents in ... }
/// ```
public struct AgentLaunchConfiguration: Sendable {
    /// The agent program on the hosts: a path there, or a name their `PATH` finds. Default `pool-worker`.
    public var agentExecutable: String = "pool-worker"

    /// Where the agents reach the head: `HOST` or `HOST:PORT` (`[IPV6]:PORT`). Without a port, the port the head
    /// listens on. Default `nil`: the address the head listens on, or this host's name when it listens on every
    /// address (`0.0.0.0` or `::`).
    public var headAddress: String?

    /// How long each agent keeps trying to reach the head (`--connect-timeout`). Default 60 s.
    public var connectTimeout: Duration = .seconds(60)

    /// A file holding the run's secret (64 hexadecimal digits, `chmod 600`); `nil` reads `TRACTOR_SECRET`. Default
    /// `nil`. It should name the secret the head listens with.
    public var secretFile: String?

    /// How long the agents get to exit once the scope has closed their connections (and, for ssh, their standard
    /// input), before their launcher processes are sent SIGTERM. Default 10 s.
    public var exitTimeout: Duration = .seconds(10)

    /// How long a launcher process gets after SIGTERM (which `srun` forwards to its tasks) before SIGKILL.
    /// Default 5 s.
    public var terminateTimeout: Duration = .seconds(5)

    /// The secret itself, for a head that holds it already. Not API.
    package var secret: TractorSecret?

    /// The defaults.
    public init() {}
}
