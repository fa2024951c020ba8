//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The handle of a process pool: submit jobs, map them over sequences, wait for futures, read the workers'
/// bindings. The API of Python's `concurrent.futures.ProcessPoolExecutor`, with structured lifetimes.
///
/// Get one from ``withProcessPool(configuration:isolation:_:)``.
///
/// ```swift
/// try await withProcessPool(placement: .perCore) { pool in
///     for try await isPrime in pool.map(isPrimeJob, over: candidates) { ... }
///     let future = try await pool.submit(isPrimeJob, 1_099_726_899_285_419)
///     print(try await future.value)
/// }
/// ```
///
/// - Important: The handle is valid only inside the closure it was given to. Do not store it or use it after the
///   closure returns; calls on it then throw ``TractorError`` `.scopeClosed`.
public final class ProcessPool: Sendable {
    let dispatcher: PoolDispatcher
    /// The tasks reading the asynchronous inputs of maps; the pool's scope awaits them.
    let mapReaders = MapReaders()

    init(dispatcher: PoolDispatcher) {
        self.dispatcher = dispatcher
    }

    /// How many workers the pool keeps (a worker that dies or retires is replaced).
    public var workerCount: Int { dispatcher.plan.workers.count }

    /// What the placement could not do as asked on this machine, such as more workers than allowed CPUs (the
    /// workers then run unbound). Also logged as warnings when the pool opens.
    public var warnings: [String] { dispatcher.plan.warnings }

    // MARK: Submitting

    /// Submits one job and returns its future at once; suspends first while the pool's queue is full.
    ///
    /// ```swift
    /// let future = try await pool.submit(countPrimes, 1...1_000_000, timeout: .seconds(30))
    /// print(try await future.value)
    /// ```
    ///
    /// - Parameters:
    ///   - job: The job; the workers' program must serve it (list it in ``Tractor/bootstrap(jobs:configuration:)``).
    ///   - input: Its input.
    ///   - timeout: How long it may run once started; past it, it is cancelled and its future fails with
    ///     ``TractorError`` `.timedOut`. `nil`, the default, for no limit.
    /// - Returns: The job's future.
    /// - Throws: ``TractorError`` `.scopeClosed` after ``shutdown(wait:cancelPending:)`` or outside the pool's scope;
    ///   the pool's error (code `.spawnFailed`, caused by the initializer's error) when the pool is broken;
    ///   `.encodingFailed` when the input cannot be encoded; `CancellationError` when the task is cancelled while
    ///   waiting for room.
    nonisolated(nonsending) public func submit<Input, Output>(
        _ job: Job<Input, Output>,
        _ input: Input,
        timeout: Duration? = nil
    ) async throws -> JobFuture<Output> where Input: Codable, Output: Codable {
        RoundTripTrace.mark(.callBegan)
        let request = try Portal.encodeBatch([input], of: job.name)
        let dispatcher = self.dispatcher
        let id = dispatcher.makeChunkID()
        let future = JobFuture<Output>(jobName: job.name, errors: job.errorCoding, chunk: id, of: dispatcher)
        let payload = ChunkPayload(request: request, receiver: future)
        try await dispatcher.enqueue(.init(
            id: id, job: job.name, itemCount: 1, timeout: timeout, payload: payload, requestBytes: request.count
        ))
        return future
    }

    /// Outputs larger than this (in encoded bytes) are decoded off the thread that delivers them.
    static var largeOutput: Int { 64 * 1024 }

    /// Submits a job that takes no input.
    ///
    /// ```swift
    /// let future = try await pool.submit(warmUp)
    /// ```
    nonisolated(nonsending) public func submit<Output>(
        _ job: Job<NoInput, Output>,
        timeout: Duration? = nil
    ) async throws -> JobFuture<Output> where Output: Codable {
        try await submit(job, NoInput(), timeout: timeout)
    }

    // MARK: Shutting down

    /// Stops the pool taking jobs; with `cancelPending`, cancels those not started yet; with `wait`, returns once the
    /// rest have completed.
    ///
    /// Later submissions throw ``TractorError`` `.scopeClosed`. The workers are reaped when the pool's scope ends
    /// (leaving the scope is `shutdown(wait: true)`).
    ///
    /// ```swift
    /// await pool.shutdown(cancelPending: true)   // queued jobs end cancelled; running ones finish
    /// ```
    ///
    /// - Parameters:
    ///   - wait: Whether to wait until every job still queued or running has completed. Default `true`.
    ///   - cancelPending: Whether jobs not started yet end cancelled instead of running. Default `false`.
    nonisolated(nonsending) public func shutdown(wait: Bool = true, cancelPending: Bool = false) async {
        dispatcher.shutdown(cancelPending: cancelPending)
        if wait { await dispatcher.waitUntilFinished() }
    }

    // MARK: Workers

    /// Where each worker runs, by worker id, as the workers read their binding back after binding themselves; waits
    /// until every worker is up.
    ///
    /// ```swift
    /// for binding in try await pool.bindings {
    ///     print(binding.workerID, binding.pid, binding.cpus ?? "unbound", binding.numaNode ?? -1)
    /// }
    /// ```
    ///
    /// - Throws: The pool's error when it is broken (a worker could not start).
    public var bindings: [WorkerBinding] {
        get async throws {
            await dispatcher.waitUntilSettled()
            if let error = dispatcher.brokenError { throw error }
            return dispatcher.currentBindings
        }
    }

    /// The workers' bindings printed like Open MPI's `mpirun --report-bindings`, one line per worker.
    ///
    /// ```swift
    /// print(try await pool.bindingReport)
    /// // [node1:4242] worker 0 bound to package 0[core 0[PU 0]]: [B/.]
    /// // [node1:4243] worker 1 bound to package 0[core 1[PU 1]]: [./B]
    /// ```
    ///
    /// - Throws: As ``bindings``.
    public var bindingReport: String {
        get async throws {
            let bindings = try await bindings
            // Grouped by machine, each rendered on its own topology, in worker order within each.
            var hosts: [String?] = []
            for binding in bindings where !hosts.contains(binding.host) { hosts.append(binding.host) }
            return hosts.compactMap { host in
                guard let topology = dispatcher.topologies[host] else { return nil }
                return BindingReport.render(bindings.filter { $0.host == host }, topology: topology)
            }.joined(separator: "\n")
        }
    }

    /// A snapshot of the pool's counters.
    ///
    /// ```swift
    /// let stats = pool.statistics
    /// print(stats.jobsCompleted, stats.workerCrashes)
    /// ```
    public var statistics: Statistics {
        dispatcher.state.withLock { state in
            let counters = state.machine.statistics
            return Statistics(
                jobsCompleted: counters.jobsCompleted,
                jobsFailed: counters.jobsFailed,
                jobsCancelled: counters.jobsCancelled,
                jobsQueued: state.machine.queue.count,
                chunksRunning: state.machine.running.count,
                workersStarted: counters.workersStarted,
                workerCrashes: counters.workerCrashes,
                workersKilled: counters.workersKilled,
                workersRecycled: counters.workersRecycled,
                workerStartFailures: counters.workerStartFailures,
                jobsRetried: counters.jobsRetried
            )
        }
    }

    /// The pool's counters at one moment.
    ///
    /// ```swift
    /// let stats = pool.statistics
    /// print(stats.jobsCompleted, stats.workerCrashes)
    /// ```
    public struct Statistics: Sendable, Hashable {
        /// Jobs that ran to their end in a worker (returning or throwing).
        public var jobsCompleted: Int
        /// Jobs that failed as a whole: their worker died, they timed out, or the pool broke.
        public var jobsFailed: Int
        /// Jobs cancelled before or while they ran.
        public var jobsCancelled: Int
        /// Chunks waiting for a worker.
        public var jobsQueued: Int
        /// Chunks running on workers.
        public var chunksRunning: Int
        /// Worker processes started, replacements included.
        public var workersStarted: Int
        /// Workers that died unasked.
        public var workerCrashes: Int
        /// Workers killed because a cancelled job ignored its cancellation.
        public var workersKilled: Int
        /// Workers replaced after running ``ProcessPoolConfiguration/maxJobsPerWorker`` jobs.
        public var workersRecycled: Int
        /// Worker starts that failed (the process could not be spawned, or died or lost its connection before it was
        /// ready); each is tried again after a short delay unless the pool is broken.
        public var workerStartFailures: Int
        /// Jobs queued again because their worker died while running them (see
        /// ``ProcessPoolConfiguration/retriesAfterCrash``), each time it happened.
        public var jobsRetried: Int = 0
    }
}
