//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CoreMetrics
import Foundation
import MetricsTestKit
import PoolWorkerJobs
import Testing
import TractorTestSupport

@testable import TractorPool

extension PoolSpawningTests {
    /// What a pool reports through swift-metrics, read back from a `TestMetrics` bound to the test's task with
    /// `withMetricsFactory` (so that no global bootstrap is needed, and other suites' pools report elsewhere).
    @Suite(.timeLimit(.minutes(5)))
    struct PoolMetricsTests {
        static let label = "metrics-test"

        @Test func aMapWithOneFailingItemAndACrashAreCounted() async throws {
            let metrics = TestMetrics()
            let log = LogCapture()
            try await PoolTesting.checkingLeaks {
                var configuration = PoolTesting.configuration(.workers(2), log: log)
                configuration.label = Self.label
                try await withMetricsFactory(metrics) {
                    try await withProcessPool(configuration: configuration) { pool in
                        // Four items succeed and the last fails: the map ends on it with nothing left to cancel.
                        var outputs: [Int] = []
                        await #expect(throws: RemoteActorError.self) {
                            for try await value in pool.map(BuiltinJobs.failOnNegative, over: [1, 2, 3, 4, -5]) {
                                outputs.append(value)
                            }
                        }
                        #expect(outputs == [1, 2, 3, 4])

                        // A worker killed under its job: the job fails, the worker is replaced.
                        let crash = try await pool.submit(BuiltinJobs.crashBySignal, SIGKILL)
                        await #expect(throws: WorkerCrashed.self) { _ = try await crash.value }
                        _ = try await pool.bindings

                        // A job cancelled while it runs.
                        let sleeper = try await pool.submit(BuiltinJobs.sleep, 60_000)
                        #expect(await PoolTesting.eventually { sleeper.state == .running })
                        sleeper.cancel()
                        await #expect(throws: CancellationError.self) { _ = try await sleeper.value }

                        for value in 0..<3 {
                            #expect(try await pool.submit(BuiltinJobs.square, value).value == value * value)
                        }
                        #expect(pool.statistics.workerCrashes == 1)
                    }
                }
            }
            PoolTesting.expectOnly(["(SIGKILL); replacing it"], in: log)

            func counter(_ name: String, job: String? = nil) throws -> Int64 {
                try metrics.expectCounter(name, Self.dimensions(job: job)).totalValue
            }
            #expect(try counter("tractor_pool_jobs_submitted_total", job: "fail-on-negative") == 5)
            #expect(try counter("tractor_pool_jobs_succeeded_total", job: "fail-on-negative") == 4)
            #expect(try counter("tractor_pool_jobs_failed_total", job: "fail-on-negative") == 1)
            #expect(try counter("tractor_pool_jobs_cancelled_total", job: "fail-on-negative") == 0)
            #expect(try counter("tractor_pool_jobs_submitted_total", job: "crash-by-signal") == 1)
            #expect(try counter("tractor_pool_jobs_failed_total", job: "crash-by-signal") == 1)
            #expect(try counter("tractor_pool_jobs_cancelled_total", job: "sleep") == 1)
            #expect(try counter("tractor_pool_jobs_submitted_total", job: "square") == 3)
            #expect(try counter("tractor_pool_jobs_succeeded_total", job: "square") == 3)
            #expect(try counter("tractor_pool_worker_starts_total") == 3)
            let crashes = try metrics.expectCounter("tractor_pool_worker_crashes_total", Self.dimensions(job: nil))
            #expect(crashes.totalValue == 1, "\(crashes.values)")
            #expect(try counter("tractor_pool_worker_replacements_total") == 1)

            // Each call that came back: the worker's time and the round trip, both positive.
            let run = try metrics.expectTimer("tractor_pool_job_run_duration", Self.dimensions(job: "square"))
            let roundTrip = try metrics.expectTimer(
                "tractor_pool_chunk_round_trip_duration",
                Self.dimensions(job: "square")
            )
            #expect(run.values.count == 3 && run.values.allSatisfy { $0 > 0 })
            #expect(roundTrip.values.count == 3 && roundTrip.values.allSatisfy { $0 > 0 })
            let startup = try metrics.expectTimer("tractor_pool_worker_startup_duration", Self.dimensions(job: nil))
            #expect(startup.values.count == 3 && startup.values.allSatisfy { $0 > 0 })

            // The levels moved while the pool ran, and are all back to zero now that its scope has ended.
            for name in ["tractor_pool_queue_depth", "tractor_pool_chunks_in_flight", "tractor_pool_live_workers"] {
                let meter = try metrics.expectMeter(name, Self.dimensions(job: nil))
                #expect(meter.lastValue == 0, "\(name): \(meter.values)")
                #expect(meter.values.allSatisfy { $0 >= 0 }, "\(name): \(meter.values)")
            }
            let live = try metrics.expectMeter("tractor_pool_live_workers", Self.dimensions(job: nil))
            #expect(live.values.max() == 2, "\(live.values)")
            let inFlight = try metrics.expectMeter("tractor_pool_chunks_in_flight", Self.dimensions(job: nil))
            #expect((inFlight.values.max() ?? 0) >= 1, "\(inFlight.values)")
        }

        @Test func poolsWithTheirOwnLabelsReportApart() async throws {
            let metrics = TestMetrics()
            try await PoolTesting.checkingLeaks {
                try await withMetricsFactory(metrics) {
                    for label in ["first", "second"] {
                        var configuration = PoolTesting.configuration(.workers(1))
                        configuration.label = label
                        try await withProcessPool(configuration: configuration) { pool in
                            for value in 0..<(label == "first" ? 2 : 5) {
                                _ = try await pool.submit(BuiltinJobs.noop, value)
                            }
                        }
                    }
                }
            }
            let first = try metrics.expectCounter(
                "tractor_pool_jobs_submitted_total",
                [("pool", "first"), ("job", "noop")]
            )
            let second = try metrics.expectCounter(
                "tractor_pool_jobs_submitted_total",
                [("pool", "second"), ("job", "noop")]
            )
            #expect(first.totalValue == 2)
            #expect(second.totalValue == 5)
        }

        static func dimensions(job: String?) -> [(String, String)] {
            [("pool", label)] + (job.map { [("job", $0)] } ?? [])
        }
    }
}

/// The metrics handles without processes.
@Suite struct PoolMetricsHandleTests {
    @Test func noHandlesAreMadeForTheNoOpBackend() {
        #expect(PoolMetrics(label: "pool", workerCount: 4, factory: NOOPMetricsHandler.instance) == nil)
        #expect(PoolMetrics(label: "pool", workerCount: 4, factory: TestMetrics()) != nil)
    }

    @Test func aJobsHandlesAreMadeOnceAndCached() {
        let metrics = PoolMetrics(label: "pool", workerCount: 1, factory: TestMetrics())!
        #expect(metrics.job("a") === metrics.job("a"))
        #expect(metrics.job("a") !== metrics.job("b"))
    }

    @Test func levelsMoveByTheirChangesSoThatPoolsSharingALabelAddUp() throws {
        let backend = TestMetrics()
        let one = PoolMetrics(label: "shared", workerCount: 2, factory: backend)!
        let two = PoolMetrics(label: "shared", workerCount: 2, factory: backend)!
        var reportedOne = PoolMetrics.Levels()
        var reportedTwo = PoolMetrics.Levels()
        one.report(.init(queued: 3, inFlight: 2, live: 2, crashes: 0), since: &reportedOne)
        two.report(.init(queued: 1, inFlight: 1, live: 1, crashes: 1), since: &reportedTwo)
        one.report(.init(queued: 0, inFlight: 1, live: 2, crashes: 2), since: &reportedOne)
        let queue = try backend.expectMeter("tractor_pool_queue_depth", [("pool", "shared")])
        let live = try backend.expectMeter("tractor_pool_live_workers", [("pool", "shared")])
        let crashes = try backend.expectCounter("tractor_pool_worker_crashes_total", [("pool", "shared")])
        #expect(queue.lastValue == 1)
        #expect(live.lastValue == 3)
        #expect(crashes.totalValue == 3)
        // Nothing changed: nothing is sent.
        let sent = queue.values.count
        one.report(.init(queued: 0, inFlight: 1, live: 2, crashes: 2), since: &reportedOne)
        #expect(queue.values.count == sent)
    }

    @Test func aStartInASlotThatHadAWorkerIsAReplacement() throws {
        let backend = TestMetrics()
        let metrics = PoolMetrics(label: "slots", workerCount: 2, factory: backend)!
        metrics.workerStarted(index: 0, after: .milliseconds(3))
        metrics.workerStarted(index: 1, after: .milliseconds(4))
        metrics.workerStarted(index: 0, after: .milliseconds(5))
        #expect(try backend.expectCounter("tractor_pool_worker_starts_total", [("pool", "slots")]).totalValue == 3)
        let replacements = try backend.expectCounter("tractor_pool_worker_replacements_total", [("pool", "slots")])
        #expect(replacements.totalValue == 1)
        let startup = try backend.expectTimer("tractor_pool_worker_startup_duration", [("pool", "slots")])
        #expect(startup.values == [3_000_000, 4_000_000, 5_000_000])
    }

    @Test func anEmptyLabelIsRefused() async {
        var configuration = ProcessPoolConfiguration(placement: .workers(1))
        configuration.label = ""
        let error = await #expect(throws: TractorError.self) {
            try await withProcessPool(configuration: configuration) { _ in }
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("label") == true)
    }
}
