//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

/// Settings of one process pool, given to ``withProcessPool(configuration:isolation:_:)``.
///
/// Every setting has a default that suits CPU-bound work on one machine; most programs change only the placement,
/// the executable or the initializer.
///
/// ```swift
/// var configuration = ProcessPoolConfiguration()
/// configuration.placement = .perNUMANode
/// configuration.maxJobsPerWorker = 1_000
/// configuration.initializer = .job(loadModel, "/models/small.bin")
/// try await withProcessPool(configuration: configuration) { pool in ... }
/// ```
public struct ProcessPoolConfiguration: Sendable {
    /// Where the workers run: one per core, per NUMA node, per hardware thread, a number of unbound workers, or
    /// explicit CPU sets. Default ``Placement/perCore``: one worker per physical core the process may use, bound to
    /// it.
    public var placement: Placement = .perCore

    /// The machines the workers run on: this one (``PoolHosts/local``, the default), or hosts whose agents have
    /// joined this head (``PoolHosts/joined(includingLocal:)``), each with workers by ``placement`` on its own
    /// topology.
    ///
    /// A lost host is a crashed worker many times over: the jobs its workers ran fail with ``WorkerCrashed`` naming
    /// the host (or run again elsewhere, see ``retriesAfterCrash``), the other hosts go on, and its workers are started
    /// again if a host of that name joins again (a new agent: a new incarnation).
    public var hosts: PoolHosts = .local

    /// The program workers run on other hosts; `nil`, the default, for ``executable``'s path and arguments, which must
    /// then exist on every host.
    public var remoteExecutable: ActorExecutable?

    /// How many times a job whose worker died while running it (a crash, or its host lost) is run again, on whichever
    /// worker is free, before it fails with ``WorkerCrashed``. Default 0: it fails at once. Only jobs that may run
    /// twice (no side effect that must happen once) should be retried.
    public var retriesAfterCrash: Int = 0

    /// The program the workers run. Default ``ActorExecutable/current``: this binary, re-executed (its `main` must
    /// call ``Tractor/bootstrap(jobs:configuration:)`` first, listing the jobs the pool runs).
    public var executable: ActorExecutable = .current

    /// How many jobs one worker process runs before it is replaced by a fresh one; `nil`, the default, for no limit.
    /// (`ProcessPoolExecutor`'s `max_tasks_per_child`, counted in jobs: `map` chunks are cut to fit.)
    public var maxJobsPerWorker: Int?

    /// A job each worker runs once, before any other, such as loading data that later jobs read. Default `nil`.
    /// If it throws, the pool is broken: its jobs fail, and `submit` throws, with an error whose cause is the
    /// initializer's.
    public var initializer: PoolInitializer?

    /// How many chunks each worker has in flight at once, so that sending the next overlaps running the current.
    /// Default 4. Chunks measured to take more than a fiftieth of ``targetChunkDuration`` get three at most for a
    /// `map` (so that the next is there even when the reply asking for it waits a while for a CPU) and two for
    /// futures (whose results come later the more a worker holds), a worker with `k` in flight getting another only
    /// while the queue holds `k` for every worker (so that the end of a batch is not held back). Each chunk is one
    /// call.
    public var inFlightChunksPerWorker: Int = 4

    /// How many submitted chunks may wait for a worker; beyond it, `submit` (and `map`'s reading) suspends until
    /// one starts. Default 1,024.
    public var queueCapacity: Int = 1_024

    /// How many chunks `map` reads its input ahead of the results consumed; `nil`, the default, for twice the
    /// chunks all the workers hold in flight. The reorder buffer of an ordered `map` holds at most as many.
    public var mapReadAhead: Int?

    /// How long a chunk should take in a worker when `map` sizes chunks itself. Default 5 ms: long enough for a
    /// round trip to cost little, short enough to spread work evenly. A fiftieth of it is the line under which a
    /// chunk is *short*: a `map` given a `chunkSize` puts as many such chunks in one (so in one call) as stay short,
    /// up to 1,024.
    public var targetChunkDuration: Duration = .milliseconds(5)

    /// The largest chunk `map` makes when it sizes chunks itself. Default 4,096 items.
    public var maximumChunkSize: Int = 4_096

    /// How long a cancelled (or timed-out) job may take to stop after its cancellation reached the worker; past
    /// it, the worker is killed (SIGKILL) and replaced. Default 500 ms.
    public var cancellationGrace: Duration = .milliseconds(500)

    /// How workers are stopped when they retire or the pool closes: `cancel`, then SIGTERM, then SIGKILL. Default
    /// ``TeardownPolicy/standard``.
    public var teardown: TeardownPolicy = .standard

    /// How long a worker may take to start and connect back. Default 60 seconds.
    public var spawnTimeout: Duration = .seconds(60)

    /// The logger the pool reports on, whose level is also its workers' log level; `nil`, the default, for
    /// ``Tractor/logger`` (at ``TractorConfiguration/logLevel``).
    ///
    /// At `warning` level the pool reports what it recovers from by itself: a worker that crashed and was replaced, a
    /// worker that could not start and is started again, a placement that puts more workers than CPUs. At `debug`
    /// level it adds each spawn (pid, executable, binding), handshake, chunk size decision and teardown step; at
    /// `trace` level, each chunk and job with its time.
    ///
    /// ```swift
    /// var configuration = ProcessPoolConfiguration()
    /// var logger = Logger(label: "hashing")
    /// logger.logLevel = .debug
    /// configuration.logger = logger
    /// ```
    public var logger: Logger?

    /// The name of the pool in its metrics: the value of their `pool` dimension. Default `"tractor.pool"`.
    ///
    /// Every metric the pool reports through swift-metrics carries it (see <doc:ProgressAndMetrics#Metrics>), so give each pool of a
    /// program a label of its own to tell them apart; pools that share one add up in the same series. It must not be
    /// empty.
    ///
    /// ```swift
    /// var configuration = ProcessPoolConfiguration()
    /// configuration.label = "thumbnails"
    /// ```
    public var label: String = "tractor.pool"

    /// The default configuration.
    public init() {}

    /// A configuration with another placement.
    ///
    /// ```swift
    /// let configuration = ProcessPoolConfiguration(placement: .workers(8))
    /// ```
    public init(placement: Placement) {
        self.placement = placement
    }
}

/// A job every worker of a pool runs once before any other: `ProcessPoolExecutor`'s `initializer`.
///
/// Whatever the job leaves in its process (a global, a cache) is there for the jobs that follow in that worker.
///
/// ```swift
/// let warmUp = Job("warm_up") { (path: String) -> Int in try Model.load(path) }
/// configuration.initializer = .job(warmUp, "/models/small.bin")
/// ```
public struct PoolInitializer: Sendable {
    /// The job's name.
    public let jobName: String
    let run: @Sendable (Portal) async throws -> Void

    /// An initializer that runs `job` with `input` (its output is ignored).
    public static func job<Input, Output>(_ job: Job<Input, Output>, _ input: Input) -> PoolInitializer
    where Input: Codable, Output: Codable {
        PoolInitializer(jobName: job.name) { portal in _ = try await portal.run(job, input) }
    }

    /// An initializer that runs `job`, which takes no input.
    public static func job<Output>(_ job: Job<NoInput, Output>) -> PoolInitializer where Output: Codable {
        .job(job, NoInput())
    }
}
