//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Tractor {
    /// Starts host agents for this head with a cluster launcher, runs `body`, then stops the agents and reaps what
    /// it started.
    ///
    /// The head must listen first (``listenForAgents(on:secretFile:heartbeatInterval:hostSilenceLimit:)``): its port is
    /// bound before any agent starts, so no port is guessed and nothing sleeps. `body` usually waits for the agents
    /// (``LaunchedAgents/waitForHosts(timeout:)``) and starts actors on them in a nursery that closes before the body
    /// returns. On the way out, whether `body` returned or threw, each launched agent's connection is closed (and,
    /// for ssh, its standard input), which ends it after it has torn down the actors beneath it; a launcher process
    /// still running after ``AgentLaunchConfiguration/exitTimeout`` gets SIGTERM, then SIGKILL; every one is reaped.
    ///
    /// ```swift
    /// try await Tractor.listenForAgents(on: "0.0.0.0:0")
    /// try await Tractor.withAgents(launchedBy: .slurm()) { agents in
    ///     let hosts = try await agents.waitForHosts()
    ///     try await withActorNursery { nursery in
    ///         for host in hosts {
    ///             let worker = try await nursery.startActor("worker-\(host)", on: host)
    ///             print(try await worker.run(hello, host))
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - launcher: ``AgentLauncher/slurm(srun:arguments:)``, ``AgentLauncher/ssh(hosts:ssh:options:)`` or
    ///     ``AgentLauncher/byHand``.
    ///   - configuration: The agent program, the head's address as the agents reach it, time limits, the secret.
    ///   - isolation: The actor the body runs on; the caller's, by default.
    ///   - body: Uses the agents. The handle is invalid once the body returns.
    /// - Returns: The body's result.
    /// - Throws: The body's error, unchanged; ``TractorError`` `.invalidArgument` before
    ///   ``listenForAgents(on:secretFile:heartbeatInterval:hostSilenceLimit:)``,
    ///   without a secret, outside a Slurm allocation (for ``AgentLauncher/slurm(srun:arguments:)``) or for an
    ///   unreadable node list; `.spawnFailed` when `srun` or `ssh` cannot be found or started (agents started already
    ///   are stopped first).
    public static func withAgents<Result>(
        launchedBy launcher: AgentLauncher,
        configuration: AgentLaunchConfiguration = AgentLaunchConfiguration(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (LaunchedAgents) async throws -> Result
    ) async throws -> Result {
        let agents = try await LaunchedAgents.start(launcher, configuration: configuration)
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(agents))
        } catch {
            outcome = .failure(error)
        }
        // In a task of its own: a cancelled scope must still stop and reap what it started.
        await Task { await agents.stop() }.value
        return try outcome.get()
    }
}
