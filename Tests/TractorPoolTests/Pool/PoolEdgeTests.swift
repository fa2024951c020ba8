//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Synchronization
import Testing
import TractorTestSupport

@testable import TractorPool

extension PoolSpawningTests {
    /// The executor's semantics at their edges, as `concurrent.futures` defines them, and the pool's promises checked
    /// at the moment they are made.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolEdgeTests {
        // MARK: Arguments out of range

        @Test(arguments: [
            "workers(0)", "workers(-2)", "explicit([])", "maxJobsPerWorker", "mapReadAhead", "inFlightChunksPerWorker",
            "queueCapacity", "maximumChunkSize", "targetChunkDuration",
        ])
        func aSettingOutOfRangeIsAClearErrorAndStartsNothing(setting: String) async throws {
            let change: (inout ProcessPoolConfiguration) -> Void =
                switch setting {
                case "workers(0)": { $0.placement = .workers(0) }
                case "workers(-2)": { $0.placement = .workers(-2) }
                case "explicit([])": { $0.placement = .explicit([]) }
                case "maxJobsPerWorker": { $0.maxJobsPerWorker = 0 }
                case "mapReadAhead": { $0.mapReadAhead = 0 }
                case "inFlightChunksPerWorker": { $0.inFlightChunksPerWorker = 0 }
                case "queueCapacity": { $0.queueCapacity = -1 }
                case "maximumChunkSize": { $0.maximumChunkSize = 0 }
                default: { $0.targetChunkDuration = .zero }
                }
            var configuration = PoolTesting.configuration()
            change(&configuration)
            let before = PoolTesting.workerChildren()
            let ran = Mutex(false)
            let error = await #expect(throws: TractorError.self) {
                try await withProcessPool(configuration: configuration) { _ in ran.withLock { $0 = true } }
            }
            #expect(error?.code == .invalidArgument)
            let name = setting.prefix { $0 != "(" }
            #expect(error?.message.contains(name) == true, "\(String(describing: error))")
            #expect(!ran.withLock { $0 }, "the body never runs")
            #expect(PoolTesting.workerChildren() == before, "no worker was started")
        }

        @Test func aChunkSizeBelowOneFailsTheMapBeforeAnythingRuns() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    for chunkSize in [0, -3] {
                        var iterator = pool.map(BuiltinJobs.square, over: 0..<10, chunkSize: chunkSize).makeAsyncIterator()
                        for _ in 0..<2 {
                            let error = await #expect(throws: TractorError.self) { _ = try await iterator.next() }
                            #expect(error?.code == .invalidArgument)
                            #expect(error?.message.contains("chunkSize") == true)
                        }
                    }
                    #expect(pool.statistics.jobsCompleted == 0)
                }
            }
        }

        // MARK: Futures

        @Test func cancellingTwiceAnswersTrueTwiceAndADoneFutureFalse() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                    let blocker = try await pool.submit(BuiltinJobs.sleep, 60_000)
                    let queued = try await pool.submit(BuiltinJobs.echo, "never")
                    #expect(queued.cancel())
                    #expect(queued.cancel(), "an already-cancelled future still answers true")
                    #expect(queued.state == .cancelled)
                    #expect(blocker.cancel())
                    #expect(blocker.cancel())
                    await #expect(throws: CancellationError.self) { _ = try await blocker.value }
                    #expect(blocker.cancel(), "cancelled, and it stays so")
                    let done = try await pool.submit(BuiltinJobs.echo, "done")
                    #expect(try await done.value == "done")
                    #expect(!done.cancel())
                }
            }
        }

        @Test func waitAndCompletionsTreatAFutureGivenTwiceAsOne() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let a = try await pool.submit(BuiltinJobs.square, 3)
                    let b = try await pool.submit(BuiltinJobs.square, 4)
                    let outcome = await pool.wait([a, b, a, b, a], until: .allCompleted)
                    #expect(outcome.done.count == 2)
                    #expect(outcome.pending.isEmpty)
                    var seen: [Int] = []
                    for try await future in pool.completions(of: [a, a, b]) { seen.append(try await future.value) }
                    #expect(seen.sorted() == [9, 16])
                }
            }
        }

        // MARK: Promises at the moment they are made

        @Test func shutdownWithWaitReturnsOnlyOnceEveryFutureIsResolvedAndItsCallbacksHaveRun() async throws {
            let large = String(repeating: "x", count: 200_000)
            for round in 0..<10 {
                try await PoolTesting.checkingLeaks {
                    try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                        let called = Mutex(0)
                        var futures: [JobFuture<String>] = []
                        for index in 0..<20 {
                            // Large outputs are resolved off the I/O thread: the case that used to come late.
                            let future = try await pool.submit(BuiltinJobs.echo, index % 4 == 0 ? large : "\(index)")
                            future.onCompletion { _ in called.withLock { $0 += 1 } }
                            futures.append(future)
                        }
                        let cancelled = try await pool.submit(BuiltinJobs.sleep, 50)
                        cancelled.onCompletion { _ in called.withLock { $0 += 1 } }
                        _ = cancelled.cancel()
                        await pool.shutdown(wait: true)
                        // No waiting, no polling: at this moment.
                        let open = futures.filter { !$0.isDone }.map(\.state)
                        #expect(open.isEmpty, "round \(round): \(open)")
                        #expect(cancelled.isDone, "round \(round): \(cancelled.state)")
                        #expect(called.withLock { $0 } == 21, "round \(round)")
                    }
                }
            }
        }

        @Test func leavingTheScopeReapsEveryWorkerBeforeItReturns() async throws {
            var pids: [Int32] = []
            try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                pids = try await pool.bindings.map(\.pid)
                _ = try await pool.submit(BuiltinJobs.sleep, 30)
            }
            // At this moment, with no polling: zombies count as alive.
            let left = pids.filter { ProcessInspection.isAlive($0) || kill($0, 0) == 0 }
            #expect(left.isEmpty, "\(left.map(ProcessInspection.describe))")
        }

        // MARK: Placement on idle workers

        @Test func twoCPUJobsOnAFreshPoolRunOnTwoWorkersAtOnce() async throws {
            for trial in 0..<20 {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                    // Long enough that the second worker is up (it starts in tens of milliseconds) well before the
                    // first job ends, even on a loaded machine: the second job must not wait behind the first.
                    let first = try await pool.submit(BuiltinJobs.spinAndReport, 500)
                    let second = try await pool.submit(BuiltinJobs.spinAndReport, 500)
                    let a = try await first.value
                    let b = try await second.value
                    #expect(a[0] != b[0], "trial \(trial): both ran on pid \(a[0])")
                    // Overlapping in time: each started before the other ended.
                    #expect(a[1] < b[2] && b[1] < a[2], "trial \(trial): \(a) then \(b)")
                }
            }
        }

        // MARK: Forced stop

        @Test func terminateWorkersFailsRunningJobsCancelsQueuedOnesAndRefusesMore() async throws {
            for (name, stop) in [
                ("terminateWorkers", { (pool: ProcessPool) async in await pool.terminateWorkers() }),
                ("killWorkers", { (pool: ProcessPool) async in await pool.killWorkers() }),
            ] as [(String, (ProcessPool) async -> Void)] {
                try await PoolTesting.checkingLeaks {
                    try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                        let pids = try await pool.bindings.map(\.pid)
                        var running: [JobFuture<Int>] = []
                        for _ in 0..<2 { running.append(try await pool.submit(BuiltinJobs.sleepIgnoringCancellation, 60_000)) }
                        var queued: [JobFuture<Int>] = []
                        for _ in 0..<5 { queued.append(try await pool.submit(BuiltinJobs.sleep, 10)) }
                        #expect(await PoolTesting.eventually { running.allSatisfy { $0.state == .running } })
                        await stop(pool)
                        // At this moment: every future has ended.
                        for future in running {
                            #expect(future.state == .failed, "\(name)")
                            let error = await #expect(throws: TractorError.self) { _ = try await future.value }
                            #expect(error?.code == .cancelled)
                            #expect(error?.message.contains(name == "killWorkers" ? "SIGKILL" : "SIGTERM") == true,
                                    "\(String(describing: error))")
                        }
                        #expect(queued.allSatisfy { $0.state == .cancelled }, "\(name)")
                        let refused = await #expect(throws: TractorError.self) {
                            _ = try await pool.submit(BuiltinJobs.echo, "late")
                        }
                        #expect(refused?.code == .scopeClosed)
                        #expect(await PoolTesting.eventually { pids.allSatisfy { !PoolTesting.isAlive($0) } })
                        #expect(pool.statistics.workersStarted == 2, "no worker is started again")
                        // A second call, on a pool already stopped, does nothing.
                        await stop(pool)
                    }
                }
            }
        }

        // MARK: Replacements

        @Test func aRecycledWorkerIsReapedBeforeItsReplacementServes() async throws {
            var configuration = PoolTesting.configuration(.workers(1))
            configuration.maxJobsPerWorker = 2
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    var previous: Int32?
                    for round in 0..<4 {
                        let first = try await pool.submit(BuiltinJobs.pid).value
                        let second = try await pool.submit(BuiltinJobs.pid).value
                        #expect(first == second, "round \(round): two jobs per worker")
                        if let previous {
                            #expect(first != previous, "round \(round): a fresh worker")
                            // The retired worker was stopped and reaped before its replacement was spawned: at this
                            // moment, no polling, it is gone (a zombie would count as left).
                            #expect(!ProcessInspection.isAlive(previous) && kill(previous, 0) != 0,
                                    "round \(round): worker \(previous) outlived its retirement")
                        }
                        previous = first
                    }
                    #expect(pool.statistics.workersRecycled >= 3, "the fourth may be retiring already")
                }
            }
        }

        @Test func replacementsKilledWhileTheyStartAreStartedAgainAndThePoolGoesOn() async throws {
            let log = LogCapture()
            defer { PoolTesting.expectOnly(PoolTesting.crashWarnings, in: log) }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2), log: log)) { pool in
                    var known = Set(try await pool.bindings.map(\.pid))
                    // Kill a worker, then kill its replacement as soon as it appears (before or while it connects
                    // back), five times over.
                    let first = known.first!
                    var killed = [first]
                    kill(first, SIGKILL)
                    for _ in 0..<5 {
                        var fresh: Int32?
                        _ = await PoolTesting.eventually {
                            fresh = PoolTesting.workerChildren().first { !known.contains($0) && PoolTesting.isAlive($0) }
                            return fresh != nil
                        }
                        guard let fresh else { break }
                        known.insert(fresh)
                        killed.append(fresh)
                        kill(fresh, SIGKILL)
                    }
                    // Once the last one killed is reaped (a job given to it meanwhile would rightly fail):
                    #expect(await PoolTesting.eventually { killed.allSatisfy { !PoolTesting.workerChildren().contains($0) } })
                    var futures: [JobFuture<Int>] = []
                    for value in 0..<100 { futures.append(try await pool.submit(BuiltinJobs.square, value)) }
                    for (value, future) in futures.enumerated() { #expect(try await future.value == value * value) }
                    #expect(try await pool.bindings.count == 2)
                    #expect(killed.count == 6)
                    #expect(pool.statistics.workerStartFailures + pool.statistics.workerCrashes == 6)
                }
            }
        }
    }
}
