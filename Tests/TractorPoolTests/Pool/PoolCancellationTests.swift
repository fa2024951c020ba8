//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import PoolWorkerJobs
import Testing
import TractorPool
import TractorTestSupport

extension PoolSpawningTests {
    /// Cancelling the task that runs a pool, and failing bodies.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolCancellationTests {
        @Test func cancellingTheTaskRunningAMapReturnsPromptlyWithEveryWorkerReaped() async throws {
            let (firstResult, results) = AsyncStream<Void>.makeStream()
            let clock = ContinuousClock()
            let workers = RecordedPIDs()
            try await PoolTesting.checkingLeaks {
                let scope = Task {
                    do {
                        try await withProcessPool(configuration: PoolTesting.configuration(.perCore)) { pool in
                            let pids = try await pool.bindings.map(\.pid)
                            workers.set(pids)
                            for try await _ in pool.map(BuiltinJobs.sleep, over: Array(repeating: 50, count: 1_000)) {
                                results.yield()
                            }
                        }
                    } catch {
                        // At the moment the scope returns, in the task that ran it, with no polling: every worker
                        // is reaped (no entry in /proc, not even a zombie's).
                        workers.setUnreaped(ProcessInspection.unreaped(workers.pids))
                        throw error
                    }
                }
                var iterator = firstResult.makeAsyncIterator()
                _ = await iterator.next()
                let start = clock.now
                scope.cancel()
                await #expect(throws: CancellationError.self) { try await scope.value }
                let elapsed = clock.now - start
                // The pool's workers are reaped (no process, not even a zombie), and no other actor child lives on.
                // (Zombies of other children are left to the leak check, which waits for them: a command-line run of
                // pool-worker by a suite beside this one may be between its exit and its reaping.)
                let pids = workers.pids
                #expect(!pids.isEmpty)
                let unreaped = try #require(workers.unreaped, "the scope did not end with the cancellation")
                #expect(unreaped.isEmpty, "workers not reaped: \(unreaped.map(ProcessInspection.describe))")
                let left = PoolTesting.workerChildren().filter(PoolTesting.isAlive)
                #expect(left.isEmpty, "actors left: \(left.map(ProcessInspection.describe))")
                // The acceptance figure is 1 s; the bound here allows for a slow, shared machine.
                #expect(elapsed < .seconds(10))
                print("cancelling a map of 1,000 × 50 ms jobs returned in \(elapsed)")
            }
        }

        @Test func aThrowingBodyCancelsTheJobsStillRunning() async throws {
            struct BodyError: Error {}
            let clock = ContinuousClock()
            let start = clock.now
            let futures = Mutex<[JobFuture<Int>]>([])
            let workers = RecordedPIDs()
            try await PoolTesting.checkingLeaks {
                await #expect(throws: BodyError.self) {
                    do {
                        try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                            workers.set(try await pool.bindings.map(\.pid))
                            for _ in 0..<6 {
                                let future = try await pool.submit(BuiltinJobs.sleep, 60_000)
                                futures.withLock { $0.append(future) }
                            }
                            #expect(await PoolTesting.eventually { futures.withLock { $0[0].state == .running } })
                            throw BodyError()
                        }
                    } catch {
                        // At the moment the scope returns: every future cancelled, every worker reaped.
                        workers.setUnreaped(ProcessInspection.unreaped(workers.pids))
                        #expect(futures.withLock { $0.map(\.state) } == Array(repeating: .cancelled, count: 6))
                        throw error
                    }
                }
            }
            #expect(clock.now - start < .seconds(30))
            #expect(workers.pids.count == 2)
            let unreaped = try #require(workers.unreaped)
            #expect(unreaped.isEmpty, "workers not reaped: \(unreaped.map(ProcessInspection.describe))")
        }
    }
}

/// Pids recorded inside a task, and those of them found unreaped when its scope returned, read after it ends.
private final class RecordedPIDs: Sendable {
    private let storage = Mutex<(pids: [Int32], unreaped: [Int32]?)>(([], nil))
    func set(_ pids: [Int32]) { storage.withLock { $0.pids = pids } }
    func setUnreaped(_ pids: [Int32]) { storage.withLock { $0.unreaped = pids } }
    var pids: [Int32] { storage.withLock { $0.pids } }
    var unreaped: [Int32]? { storage.withLock { $0.unreaped } }
}
