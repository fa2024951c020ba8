//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Opens a process pool: pinned worker processes that run jobs, with the API of Python's `ProcessPoolExecutor`.
///
/// The workers start at once, in the background, one per placement slot (by default one per physical core the
/// process may use, each bound to its core and binding itself before it allocates); the body may submit jobs
/// straight away. A worker that dies fails only the jobs it was running, with ``WorkerCrashed``, and is replaced.
///
/// Leaving the scope is `shutdown(wait: true)`: every job submitted completes, then every worker is stopped and
/// reaped. If the body throws, or the task running the scope is cancelled, the jobs still queued are dropped, the
/// running ones are cancelled in their workers (a worker whose job ignores it past the grace period is killed), and
/// the scope returns once every worker is reaped.
///
/// The body runs as an actor nursery's does (see `withActorNursery`): it prefers this process's I/O threads as its
/// task executor, so that a future completed by a worker's answer resumes it on the thread that read the answer, with
/// no other thread woken; a body that prefers the cooperative pool sets `withTaskExecutorPreference` itself.
///
/// ```swift
/// let isPrime = Job("is_prime") { (n: Int) -> Bool in ... }
///
/// @main struct Primes {
///     static func main() async throws {
///         try await Tractor.bootstrap(jobs: [isPrime])   // a worker serves here and never returns
///         try await withProcessPool { pool in
///             for try await prime in pool.map(isPrime, over: candidates) { print(prime) }
///         }
///     }
/// }
/// ```
///
/// - Parameters:
///   - configuration: Placement, worker executable, recycling, initializer, windows and time limits.
///   - isolation: The actor the body runs on; the caller's, by default.
///   - body: Uses the pool. The handle is invalid once the body returns.
/// - Returns: The body's result.
/// - Throws: The body's error; ``TractorError`` `.invalidArgument` when a setting of `configuration` is out of its
///   range (no worker, a window or a quota below 1, …), or when ``ProcessPoolConfiguration/hosts`` names hosts that
///   have not joined; `.systemCallFailed` when the machine's topology cannot be read;
///   `.notBootstrapped` in a process started as an actor that has not called `Tractor.bootstrap(jobs:)`;
///   `.runtimeUnavailable` when the runtime of this process cannot start
///   (see ``TractorError/Code/runtimeUnavailable``).
public func withProcessPool<Value: Sendable>(
    configuration: ProcessPoolConfiguration = ProcessPoolConfiguration(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ProcessPool) async throws -> Value
) async throws -> Value {
    // A worker that forgot Tractor.bootstrap would run main again and open a pool of its own: refuse at once.
    try ActorRuntime.shared.requireBootstrap()
    try configuration.validate()
    let machines = try configuration.hosts.machines(local: try Topology.current())
    let plan = PlacementPlan.combining(
        machines.map { (host: $0.host?.name, plan: configuration.placement.plan(for: $0.topology)) }
    )
    let logger = configuration.logger ?? ActorRuntime.shared.logger
    for warning in plan.warnings {
        logger.warning("process pool placement \(configuration.placement): \(warning)")
    }
    let (placement, executable) = (configuration.placement, configuration.executable.path)
    let (hosts, workerCount) = (configuration.hosts, plan.workers.count)
    logger.debug("opening a process pool: placement \(placement) on \(hosts), \(workerCount) workers running \(executable)")
    let dispatcher = PoolDispatcher(
        configuration: configuration, plan: plan,
        topologies: Dictionary(machines.map { ($0.host?.name, $0.topology) }, uniquingKeysWith: { first, _ in first })
    )
    var nurseryConfiguration = ActorNurseryConfiguration()
    nurseryConfiguration.executable = configuration.executable
    nurseryConfiguration.teardown = configuration.teardown
    nurseryConfiguration.spawnTimeout = configuration.spawnTimeout
    nurseryConfiguration.logger = configuration.logger
    nurseryConfiguration.unexpectedExitHandler = { actor, status in
        dispatcher.actorExited(actor, status: status)
    }
    let pool = ProcessPool(dispatcher: dispatcher)

    let outcome = try await withActorNursery(configuration: nurseryConfiguration, isolation: isolation) { nursery in
        await withTaskGroup(of: Void.self, returning: Result<Value, any Error>.self, isolation: isolation) { group in
            group.addTask { await dispatcher.runWorkers(in: nursery) }
            group.addTask { await dispatcher.runTimer() }
            group.addTask { await dispatcher.runResolutions() }
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await body(pool))
            } catch {
                outcome = .failure(error)
            }
            // No map reads its input past the body: the readers still running end, and are awaited.
            await pool.mapReaders.close()
            if case .success = outcome, !Task.isCancelled {
                logger.debug("closing the process pool: its body returned; waiting for the jobs queued and running")
                dispatcher.shutdown(cancelPending: false)
            } else {
                logger.debug("closing the process pool: its body threw or was cancelled; cancelling every job")
                dispatcher.cancelAll()
            }
            // The workers end first (the timer runs until cancelled, the resolver until the pool is closed): the pool
            // has finished, every worker is reaped.
            _ = await group.next()
            logger.debug("closed the process pool: every worker has exited and been reaped")
            dispatcher.close()
            group.cancelAll()
            return outcome
        }
    }
    return try outcome.get()
}

/// Opens a process pool with a placement and the other settings at their defaults.
///
/// ```swift
/// try await withProcessPool(placement: .perNUMANode) { pool in
///     print(try await pool.bindingReport)
/// }
/// ```
///
/// - Parameters:
///   - placement: Where the workers run.
///   - isolation: The actor the body runs on; the caller's, by default.
///   - body: Uses the pool. The handle is invalid once the body returns.
/// - Returns: The body's result.
/// - Throws: As ``withProcessPool(configuration:isolation:_:)``.
public func withProcessPool<Value: Sendable>(
    placement: Placement,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ProcessPool) async throws -> Value
) async throws -> Value {
    try await withProcessPool(configuration: ProcessPoolConfiguration(placement: placement), isolation: isolation, body)
}

/// Opens a process pool over hosts whose agents have joined this head, with a placement and the other settings at
/// their defaults.
///
/// ```swift
/// try await Tractor.listenForAgents(on: "0.0.0.0:7000")
/// _ = try await Tractor.waitForHosts(2)
/// try await withProcessPool(hosts: .joined()) { pool in
///     print(try await pool.bindingReport)
/// }
/// ```
///
/// - Parameters:
///   - hosts: The machines the workers run on (see ``PoolHosts``).
///   - placement: Where the workers run on each machine. Default ``Placement/perCore``.
///   - isolation: The actor the body runs on; the caller's, by default.
///   - body: Uses the pool. The handle is invalid once the body returns.
/// - Returns: The body's result.
/// - Throws: As ``withProcessPool(configuration:isolation:_:)``.
public func withProcessPool<Value: Sendable>(
    hosts: PoolHosts,
    placement: Placement = .perCore,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ProcessPool) async throws -> Value
) async throws -> Value {
    var configuration = ProcessPoolConfiguration(placement: placement)
    configuration.hosts = hosts
    return try await withProcessPool(configuration: configuration, isolation: isolation, body)
}
