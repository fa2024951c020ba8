//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Synchronization
import Testing
import TractorPool
import TractorTestJobs
import TractorTestSupport

extension PoolSpawningTests {
    /// `submit`, futures, shutdown, recycling and initializers against real workers.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolSubmitTests {
        @Test func aSubmittedJobCompletesItsFuture() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let future = try await pool.submit(BuiltinJobs.echo, "hello")
                    let called = Mutex<Result<String, any Error>?>(nil)
                    #expect(try await future.value == "hello")
                    #expect(future.state == .succeeded)
                    #expect(future.isDone)
                    #expect(!future.cancel(), "a completed job cannot be cancelled")
                    future.onCompletion { result in called.withLock { $0 = result } }
                    #expect(try called.withLock { try $0?.get() } == "hello")
                    #expect(try await future.result(timeout: .seconds(1)) == "hello")
                }
            }
        }

        @Test func largeAndSmallOutputsComeBackWholeWithTheirCallbacks() async throws {
            // Outputs over 64 KiB are decoded off the pool's I/O thread; small ones on it.
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let large = String(repeating: "tractor ", count: 40_000)
                    let futures = [
                        try await pool.submit(BuiltinJobs.echo, large),
                        try await pool.submit(BuiltinJobs.echo, "small"),
                    ]
                    let called = Mutex(0)
                    for future in futures { future.onCompletion { _ in called.withLock { $0 += 1 } } }
                    #expect(try await futures[0].value == large)
                    #expect(try await futures[1].value == "small")
                    #expect(await PoolTesting.eventually { called.withLock { $0 } == 2 })
                }
            }
        }

        @Test func aJobsErrorArrivesBoxed() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let future = try await pool.submit(BuiltinJobs.fail, "no luck")
                    let error = await #expect(throws: RemoteActorError.self) { try await future.value }
                    #expect(error?.message == "no luck")
                    #expect(future.state == .failed)
                }
            }
        }

        @Test func aJobTheWorkersDoNotServeFailsItsFutureOnly() async throws {
            let unknown = Job("not-served-by-pool-worker") { (value: Int) in value }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let future = try await pool.submit(unknown, 1)
                    let error = await #expect(throws: RemoteActorError.self) { _ = try await future.value }
                    #expect(error?.code == "unknownJob")
                    #expect(try await pool.submit(BuiltinJobs.echo, "served").value == "served")
                }
            }
        }

        @Test func submitAfterShutdownThrowsAClearError() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    _ = try await pool.submit(BuiltinJobs.echo, "before").value
                    await pool.shutdown()
                    let error = await #expect(throws: TractorError.self) {
                        _ = try await pool.submit(BuiltinJobs.echo, "after")
                    }
                    #expect(error?.code == .scopeClosed)
                    #expect(error?.message.contains("shut down") == true)
                }
            }
        }

        @Test func shutdownCancellingPendingJobsCompletesEveryFuture() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                    _ = try await pool.bindings  // both workers are up
                    var futures: [JobFuture<Int>] = []
                    for _ in 0..<50 { futures.append(try await pool.submit(BuiltinJobs.sleep, 100)) }
                    #expect(await PoolTesting.eventually { futures[0].state == .running })

                    // Without waiting, the queued jobs are cancelled before the call returns: no future is left
                    // pending, and what was cancelled is what the pool counts as cancelled.
                    await pool.shutdown(wait: false, cancelPending: true)
                    let cancelledAtOnce = futures.filter { $0.state == .cancelled }.count
                    let counted = pool.statistics
                    #expect(counted.jobsQueued == 0)
                    #expect(counted.jobsCancelled == cancelledAtOnce)
                    #expect(counted.jobsCancelled + counted.chunksRunning + counted.jobsCompleted == 50, "\(counted)")
                    // Only those sent to a worker were spared: at most a window of chunks per worker.
                    let spared = 50 - cancelledAtOnce
                    #expect(spared >= 1 && spared <= 2 * ProcessPoolConfiguration().inFlightChunksPerWorker)

                    // With waiting, it returns once the rest have completed: at this moment, no polling.
                    await pool.shutdown(wait: true, cancelPending: true)
                    let states = futures.map(\.state)
                    #expect(futures.allSatisfy { $0.isDone }, "states: \(states)")
                    #expect(states.filter { $0 == .cancelled }.count == cancelledAtOnce, "states: \(states)")
                    #expect(states.filter { $0 == .succeeded }.count == spared, "states: \(states)")
                    #expect(pool.statistics.jobsCompleted == spared)
                    #expect(pool.statistics.chunksRunning == 0)
                    for future in futures where future.state == .cancelled {
                        await #expect(throws: CancellationError.self) { _ = try await future.value }
                    }
                }
            }
        }

        @Test func maxJobsPerWorkerReplacesTheWorker() async throws {
            var configuration = PoolTesting.configuration(.workers(1))
            configuration.maxJobsPerWorker = 3
            let (pids, statistics) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    var futures: [JobFuture<Int32>] = []
                    for _ in 0..<4 { futures.append(try await pool.submit(BuiltinJobs.pid)) }
                    var pids: [Int32] = []
                    for future in futures { pids.append(try await future.value) }
                    // Job 4 has run in the replacement: the first worker was retired after its third job, once.
                    return (pids, pool.statistics)
                }
            }
            #expect(Set(pids[0..<3]).count == 1, "jobs 1-3 ran in \(pids[0..<3])")
            #expect(pids[3] != pids[0], "job 4 ran in the same worker, \(pids[3])")
            #expect(statistics.workersRecycled == 1)
            #expect(statistics.workersStarted == 2)
            #expect(statistics.jobsCompleted == 4)
        }

        @Test func anInitializersStateIsVisibleToJobs() async throws {
            var configuration = PoolTesting.configuration(.workers(2))
            configuration.initializer = .job(BuiltinJobs.setState, "initialized")
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    var futures: [JobFuture<String?>] = []
                    for _ in 0..<8 { futures.append(try await pool.submit(BuiltinJobs.getState)) }
                    for future in futures { #expect(try await future.value == "initialized") }
                }
            }
        }

        @Test func aThrowingInitializerMakesSubmitFailWithItsError() async throws {
            let log = LogCapture()
            defer {
                // Said once, at `error` level, by the first failure: the other worker's failure says nothing new.
                #expect(log.lines.filter { $0.level == .error && $0.message.contains("the pool is broken") }.count == 1)
                PoolTesting.expectOnly(["the pool is broken"], in: log)
            }
            var configuration = PoolTesting.configuration(.workers(2), log: log)
            configuration.initializer = .job(BuiltinJobs.fail, "cannot initialize")
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    func check(_ error: (any Error)?) {
                        let tractorError = error as? TractorError
                        #expect(tractorError?.code == .spawnFailed, "\(String(describing: error))")
                        let cause = tractorError?.cause as? RemoteActorError
                        #expect(cause?.message == "cannot initialize")
                        #expect(cause?.job == "fail")
                    }
                    // Submitted before the workers are up: the future fails with the pool's error.
                    let early = await #expect(throws: (any Error).self) {
                        _ = try await pool.submit(BuiltinJobs.echo, "too early").value
                    }
                    check(early)
                    check(await #expect(throws: (any Error).self) { _ = try await pool.bindings })
                    // Once the pool is broken, submit itself throws.
                    check(await #expect(throws: (any Error).self) {
                        _ = try await pool.submit(BuiltinJobs.echo, "late")
                    })
                }
            }
        }

        @Test func aJobPastItsTimeoutFailsAndThePoolGoesOn() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                    let slow = try await pool.submit(BuiltinJobs.sleep, 60_000, timeout: .milliseconds(300))
                    let error = await #expect(throws: TractorError.self) { _ = try await slow.value }
                    #expect(error?.code == .timedOut)
                    #expect(slow.state == .failed)
                    #expect(try await pool.submit(BuiltinJobs.echo, "still here").value == "still here")
                    #expect(pool.statistics.workersKilled == 0, "the sleep honours cancellation")
                }
            }
        }

        @Test func cancellingAFutureRelaysIntoTheRunningJob() async throws {
            let directory = PoolTesting.temporaryDirectory()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                    let input = RecordAndSleep(directory: directory, milliseconds: 60_000)
                    let future = try await pool.submit(BuiltinJobs.recordPIDAndSleep, input)
                    #expect(await PoolTesting.eventually { !PoolTesting.recordedPIDs(in: directory).isEmpty })
                    #expect(future.state == .running)
                    #expect(future.cancel())
                    await #expect(throws: CancellationError.self) { _ = try await future.value }
                    #expect(future.state == .cancelled)
                    // The job itself saw the cancellation, as Swift cancellation (CancellationError from its sleep)...
                    let pid = try #require(PoolTesting.recordedPIDs(in: directory).first)
                    #expect(FileManager.default.fileExists(atPath: directory + "/\(pid).cancelled"))
                    // ...and honoured it: its worker lives on.
                    #expect(try await pool.submit(BuiltinJobs.pid).value == pid)
                    #expect(pool.statistics.workersKilled == 0)
                }
            }
        }

        @Test func aJobIgnoringCancellationPastTheGraceGetsItsWorkerReplaced() async throws {
            let configuration = PoolTesting.configuration(.workers(1), cancellationGrace: .milliseconds(300))
            let directory = PoolTesting.temporaryDirectory()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    let before = try await pool.submit(BuiltinJobs.pid).value
                    let input = RecordAndSleep(directory: directory, milliseconds: 60_000)
                    let stubborn = try await pool.submit(BuiltinJobs.recordPIDAndBlock, input)
                    // Running in the worker, not only sent to it: a job cancelled before it starts never runs.
                    #expect(await PoolTesting.eventually { PoolTesting.recordedPIDs(in: directory) == [before] })
                    #expect(stubborn.cancel())
                    await #expect(throws: CancellationError.self) { _ = try await stubborn.value }
                    let after = try await pool.submit(BuiltinJobs.pid).value
                    #expect(after != before)
                    #expect(!PoolTesting.isAlive(before))
                    #expect(pool.statistics.workersKilled == 1)
                }
            }
        }

        @Test func waitAndCompletionsFollowCompletionOrder() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                    let delays = [900, 30, 400]
                    var futures: [JobFuture<Int>] = []
                    for delay in delays { futures.append(try await pool.submit(BuiltinJobs.sleep, delay)) }

                    let first = await pool.wait(futures, until: .firstCompleted)
                    // Returned when the 30 ms job completed: it is done, and the 900 ms job, which started with it,
                    // is not; every future is on one side.
                    #expect(first.done.first === futures[1])
                    #expect(first.done.count + first.pending.count == 3)
                    #expect(first.pending.contains { $0 === futures[0] })

                    var order: [Int] = []
                    for try await future in pool.completions(of: futures) { order.append(try await future.value) }
                    #expect(order == [30, 400, 900])

                    let all = await pool.wait(futures, until: .allCompleted, timeout: .seconds(30))
                    #expect(all.done.count == 3 && all.pending.isEmpty)

                    let failing = try await pool.submit(BuiltinJobs.fail, "first failure")
                    let long = try await pool.submit(BuiltinJobs.sleep, 60_000)
                    let failure = await pool.wait([long, failing], until: .firstFailure)
                    #expect(failure.done.map(\.jobName) == ["fail"])
                    #expect(failure.pending.map(\.jobName) == ["sleep"])
                    let timedOut = await pool.wait([long], timeout: .milliseconds(100))
                    #expect(timedOut.pending.count == 1)
                    long.cancel()
                }
            }
        }

        /// The pool's body goes on on the I/O thread that read the answer completing the future it awaited, rather than
        /// that thread waking another to run it.
        @Test func aBodyGoesOnWhereItsFutureWasCompleted() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var names: [String] = []
                    for _ in 0..<200 {
                        // A job of a few milliseconds: its answer comes after the caller has parked, polling or not.
                        let slept = try await pool.submit(BuiltinJobs.sleep, 2).value
                        #expect(slept == 2)
                        names.append(ServedJobTestJobs.currentThreadName)
                    }
                    // A loaded machine's take-overs of the loop leave some resumptions to the pool (see
                    // `ScopeBodyTests`); without the preference, none is on a loop thread.
                    let onLoop = names.count { $0 == ServedJobTestJobs.loopThread }
                    #expect(onLoop >= 5, "threads: \(Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +))")
                }
            }
        }
    }
}
