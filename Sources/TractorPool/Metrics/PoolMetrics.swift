//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CoreMetrics
import Synchronization

/// A pool's swift-metrics handles, made when the pool opens (a job's, the first time the pool sees the job) from the
/// factory current then: the one bound to the task with `withMetricsFactory`, or else the one bootstrapped.
///
/// The pool holds none when that factory is the no-op one (nothing bootstrapped): each hook is then one `nil` check,
/// and the path of a job allocates nothing more than without metrics. The names, types and dimensions are the
/// contract the Metrics article documents; ``Name`` spells them.
final class PoolMetrics: Sendable {
    /// Every metric's name.
    enum Name {
        static let jobsSubmitted = "tractor_pool_jobs_submitted_total"
        static let jobsSucceeded = "tractor_pool_jobs_succeeded_total"
        static let jobsFailed = "tractor_pool_jobs_failed_total"
        static let jobsCancelled = "tractor_pool_jobs_cancelled_total"
        static let jobRunDuration = "tractor_pool_job_run_duration"
        static let chunkRoundTripDuration = "tractor_pool_chunk_round_trip_duration"
        static let workerStarts = "tractor_pool_worker_starts_total"
        static let workerCrashes = "tractor_pool_worker_crashes_total"
        static let workerReplacements = "tractor_pool_worker_replacements_total"
        static let workerStartupDuration = "tractor_pool_worker_startup_duration"
        static let queueDepth = "tractor_pool_queue_depth"
        static let chunksInFlight = "tractor_pool_chunks_in_flight"
        static let liveWorkers = "tractor_pool_live_workers"
    }

    /// The dimension that names the pool (its ``ProcessPoolConfiguration/label``) and the one that names the job.
    static let poolDimension = "pool"
    static let jobDimension = "job"

    let factory: any MetricsFactory
    let label: String
    let workerStarts: Counter
    let workerCrashes: Counter
    let workerReplacements: Counter
    let workerStartup: CoreMetrics.Timer
    let queueDepth: Meter
    let chunksInFlight: Meter
    let liveWorkers: Meter
    private let state: Mutex<State>

    private struct State {
        var jobs: [String: JobMetrics] = [:]
        /// The placement slots that have had a worker up: a worker started in one of them is a replacement.
        var slotsStarted: [Bool]
    }

    /// The handles of a pool labelled `label`, or `nil` when `factory` is the no-op one.
    init?(label: String, workerCount: Int, factory: any MetricsFactory = MetricsSystem.factory) {
        if factory is NOOPMetricsHandler { return nil }
        self.factory = factory
        self.label = label
        let dimensions = [(Self.poolDimension, label)]
        workerStarts = Counter(label: Name.workerStarts, dimensions: dimensions, factory: factory)
        workerCrashes = Counter(label: Name.workerCrashes, dimensions: dimensions, factory: factory)
        workerReplacements = Counter(label: Name.workerReplacements, dimensions: dimensions, factory: factory)
        workerStartup = CoreMetrics.Timer(label: Name.workerStartupDuration, dimensions: dimensions, factory: factory)
        queueDepth = Meter(label: Name.queueDepth, dimensions: dimensions, factory: factory)
        chunksInFlight = Meter(label: Name.chunksInFlight, dimensions: dimensions, factory: factory)
        liveWorkers = Meter(label: Name.liveWorkers, dimensions: dimensions, factory: factory)
        state = Mutex(State(slotsStarted: Array(repeating: false, count: Swift.max(1, workerCount))))
    }

    /// The handles of `job`, made the first time it is asked for.
    func job(_ name: String) -> JobMetrics {
        state.withLock { state in
            if let metrics = state.jobs[name] { return metrics }
            let metrics = JobMetrics(job: name, pool: label, factory: factory)
            state.jobs[name] = metrics
            return metrics
        }
    }

    // MARK: Events

    /// `items` jobs of `job` went into the queue (or straight to a worker).
    func submitted(_ job: String, items: Int) {
        self.job(job).submitted.increment(by: items)
    }

    /// A chunk's items ended as `delivery` says; `reply` is the worker's, when it answered.
    func delivered(_ job: String, items: Int, _ delivery: PoolDispatcher.Machine.Delivery, reply: BatchResults?) {
        let metrics = self.job(job)
        switch delivery {
        case .completed:
            let failed = Swift.min(items, reply?.failures.count ?? 0)
            if items > failed { metrics.succeeded.increment(by: items - failed) }
            if failed > 0 { metrics.failed.increment(by: failed) }
            if let reply { metrics.runDuration.recordNanoseconds(Int64(clamping: reply.elapsedNanoseconds)) }
        case .cancelled:
            metrics.cancelled.increment(by: items)
        case .failed, .timedOut, .crashed:
            metrics.failed.increment(by: items)
        }
    }

    /// A call of `job` came back from its worker `elapsed` after it was sent.
    func returned(_ job: String, after elapsed: Duration) {
        self.job(job).roundTripDuration.recordNanoseconds(elapsed.nanosecondCount)
    }

    /// The worker of placement slot `index` is up, `elapsed` after its spawn began.
    func workerStarted(index: Int, after elapsed: Duration) {
        let replacement = state.withLock { state -> Bool in
            guard state.slotsStarted.indices.contains(index) else { return false }
            defer { state.slotsStarted[index] = true }
            return state.slotsStarted[index]
        }
        workerStarts.increment()
        if replacement { workerReplacements.increment() }
        workerStartup.recordNanoseconds(elapsed.nanosecondCount)
    }

    // MARK: Levels

    /// The pool's levels and crash count as last reported, so that each report sends only what changed.
    ///
    /// Levels move by increments rather than being set: pools that share a label add up instead of overwriting each
    /// other.
    struct Levels: Sendable, Equatable {
        var queued = 0
        var inFlight = 0
        var live = 0
        var crashes = 0
    }

    /// Reports what changed since `reported`, which it updates. Called under the dispatcher's lock, so that the
    /// reports of one pool reach the backend in the order of its transitions.
    func report(_ levels: Levels, since reported: inout Levels) {
        guard levels != reported else { return }
        Self.move(queueDepth, by: levels.queued - reported.queued)
        Self.move(chunksInFlight, by: levels.inFlight - reported.inFlight)
        Self.move(liveWorkers, by: levels.live - reported.live)
        if levels.crashes > reported.crashes { workerCrashes.increment(by: levels.crashes - reported.crashes) }
        reported = levels
    }

    private static func move(_ meter: Meter, by delta: Int) {
        if delta > 0 {
            meter.increment(by: Double(delta))
        } else if delta < 0 {
            meter.decrement(by: Double(-delta))
        }
    }
}

/// The handles of one job of one pool.
final class JobMetrics: Sendable {
    let submitted: Counter
    let succeeded: Counter
    let failed: Counter
    let cancelled: Counter
    let runDuration: CoreMetrics.Timer
    let roundTripDuration: CoreMetrics.Timer

    init(job: String, pool: String, factory: any MetricsFactory) {
        let dimensions = [(PoolMetrics.poolDimension, pool), (PoolMetrics.jobDimension, job)]
        typealias Name = PoolMetrics.Name
        submitted = Counter(label: Name.jobsSubmitted, dimensions: dimensions, factory: factory)
        succeeded = Counter(label: Name.jobsSucceeded, dimensions: dimensions, factory: factory)
        failed = Counter(label: Name.jobsFailed, dimensions: dimensions, factory: factory)
        cancelled = Counter(label: Name.jobsCancelled, dimensions: dimensions, factory: factory)
        runDuration = CoreMetrics.Timer(label: Name.jobRunDuration, dimensions: dimensions, factory: factory)
        roundTripDuration = CoreMetrics.Timer(
            label: Name.chunkRoundTripDuration,
            dimensions: dimensions,
            factory: factory
        )
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        return Int64(clamping: Int128(seconds) * 1_000_000_000 + Int128(attoseconds / 1_000_000_000))
    }
}
