//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ServiceLifecycle

/// A process pool as a swift-service-lifecycle `Service`: the pool is open while the service runs in a
/// `ServiceGroup`, and graceful shutdown drains or cancels its work, then stops and reaps every worker.
///
/// ``run()`` opens the pool with ``withProcessPool(configuration:isolation:_:)`` and keeps it open until graceful
/// shutdown (or until its task is cancelled). Other services use the pool through ``withPool(isolation:_:)``, which
/// waits until the pool is open.
///
/// List the services that use the pool *after* the pool service: a `ServiceGroup` shuts its services down in reverse
/// order, so they stop taking requests, and finish or give up those they hold, before the pool closes. Graceful
/// shutdown *begins* for the pool as soon as it reaches one of them inside ``withPool(isolation:_:)`` (or the pool
/// service itself); from then, ``PoolServiceConfiguration/shutdown`` says what happens to the jobs:
///
/// - ``PoolServiceConfiguration/ShutdownBehavior/drain(within:)``: they run on, and the services finish their
///   requests; past the limit, counted from the beginning, every job still queued or running is cancelled.
/// - ``PoolServiceConfiguration/ShutdownBehavior/cancel``: every job is cancelled at once, and the pool takes no
///   new one.
///
/// When its own turn comes, the pool service takes no new job, waits for those left, and returns once every worker
/// has exited and been reaped. When the group is cancelled instead, every job is cancelled at once and the workers
/// are reaped all the same.
///
/// ```swift
/// @main struct Server {
///     static func main() async throws {
///         try await Tractor.bootstrap(jobs: [factorize])   // a worker serves here and never returns
///         let pool = PoolService(configuration: PoolServiceConfiguration(pool: .init(placement: .perCore)))
///         let requests = RequestService(pool: pool)        // calls `pool.withPool { pool in ... }` in its run()
///         let group = ServiceGroup(
///             services: [pool, requests],
///             gracefulShutdownSignals: [.sigterm, .sigint],
///             logger: Logger(label: "server")
///         )
///         try await group.run()
///     }
/// }
/// ```
///
/// - Important: A service runs once: a second call of ``run()`` throws.
public final class PoolService: Service, Sendable {
    /// The service's settings.
    public let configuration: PoolServiceConfiguration
    private let scope = ServiceScope<ProcessPool>(name: "pool service")

    /// A pool service with these settings.
    ///
    /// ```swift
    /// let poolService = PoolService(configuration: PoolServiceConfiguration(pool: .init(placement: .workers(8))))
    /// ```
    public init(configuration: PoolServiceConfiguration = PoolServiceConfiguration()) {
        self.configuration = configuration
    }

    /// Runs the pool until graceful shutdown, then drains or cancels its work and returns once every worker has
    /// exited and been reaped; or until the task is cancelled, which cancels every job at once.
    ///
    /// Outside a `ServiceGroup` there is no graceful shutdown: the pool runs until the task is cancelled.
    ///
    /// ```swift
    /// try await ServiceGroup(services: [poolService], gracefulShutdownSignals: [.sigterm], logger: logger).run()
    /// ```
    ///
    /// - Throws: What ``withProcessPool(configuration:isolation:_:)`` throws when the pool cannot open (a setting out
    ///   of range, an unreadable topology, …); ``TractorError`` `.invalidArgument` when the service has run already.
    public func run() async throws {
        try scope.begin()
        do {
            try await withProcessPool(configuration: configuration.pool) { pool in
                await scope.serve(pool) { await serve(pool) }
            }
        } catch {
            try scope.end(error)
            return
        }
        try scope.end(nil)
    }

    /// Applies the shutdown behaviour from the moment graceful shutdown begins, and returns once the service's turn
    /// has come and the pool has finished; at once when the task is cancelled, leaving the pool's scope to cancel
    /// every job.
    private func serve(_ pool: ProcessPool) async {
        await scope.wait(for: .began)
        if Task.isCancelled { return }
        let dispatcher = pool.dispatcher
        let (behavior, label) = (configuration.shutdown, configuration.pool.label)
        dispatcher.logger.debug("pool \(label): graceful shutdown has begun (\(behavior))")
        switch behavior.kind {
        case .cancel:
            dispatcher.cancelAll()
            await scope.wait(for: .turn)
        case .drain(let limit):
            await withTaskGroup(of: Void.self) { group in
                if let limit {
                    group.addTask {
                        try? await Task.sleep(for: limit)
                        if Task.isCancelled { return }
                        let left = pool.statistics
                        dispatcher.logger.warning(
                            """
                            pool \(label): \(left.jobsQueued) chunks queued and \(left.chunksRunning) running \(limit) \
                            after graceful shutdown began; cancelling them
                            """
                        )
                        dispatcher.cancelAll()
                    }
                }
                await scope.wait(for: .turn)
                dispatcher.shutdown(cancelPending: false)
                await dispatcher.waitUntilFinished()
                group.cancelAll()
            }
        }
    }

    /// Runs `body` with the service's pool, waiting first until ``run()`` has opened it.
    ///
    /// The pool stays open while the service runs. Graceful shutdown reaching the task that runs `body` begins the
    /// pool's shutdown (see ``PoolService``): use it from another service of the same group, listed after this one.
    ///
    /// ```swift
    /// struct RequestService: Service {
    ///     let pool: PoolService
    ///     func run() async throws {
    ///         try await pool.withPool { pool in
    ///             for try await request in requests.cancelOnGracefulShutdown() {
    ///                 let future = try await pool.submit(factorize, request.number)
    ///                 try await request.reply(future.value)
    ///             }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - isolation: The actor the body runs on; the caller's, by default.
    ///   - body: Uses the pool. The handle is invalid once the body returns, and once the service has stopped: its
    ///     calls then throw ``TractorError`` `.scopeClosed`.
    /// - Returns: The body's result.
    /// - Throws: The body's error; ``TractorError`` `.scopeClosed` when the service has stopped; the error of
    ///   ``run()`` when the pool could not open; `CancellationError` when the task is cancelled while it waits.
    public func withPool<Value: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ProcessPool) async throws -> Value
    ) async throws -> Value {
        try await scope.withHandle(isolation: isolation, body)
    }
}
