//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
@testable import TractorPool
import TractorRuntime
import TractorTestSupport

extension PoolSpawningTests {
    /// A task that polls for a future's value gets what a parked one gets: the value, the job's error, the job's
    /// cancellation, the worker's death. Each test makes the polls long (a second), so that the job ends during one.
    @Suite(.timeLimit(.minutes(5)))
    struct FuturePollTests {
        static let longPoll: UInt64 = 1_000_000_000

        @Test func valuesAndErrorsThatComeDuringAPollAreReturnedAndThrown() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                    pool.dispatcher.replyPoll.pollFromNowOn(for: Self.longPoll)
                    for value in 0..<100 {
                        #expect(try await pool.submit(BuiltinJobs.square, value).value == value * value)
                    }
                    #expect(try await pool.submit(BuiltinJobs.sleep, 5).value == 5)
                    let failure = try await pool.submit(BuiltinJobs.fail, "polled")
                    let error = await #expect(throws: RemoteActorError.self) { try await failure.value }
                    #expect(error?.message == "polled")
                    // Futures awaited by several tasks at once, some of them polling.
                    let futures = try await (0..<20).asyncMap { try await pool.submit(BuiltinJobs.square, $0) }
                    try await withThrowingTaskGroup(of: Bool.self) { group in
                        for (index, future) in futures.enumerated() {
                            group.addTask { try await future.value == index * index }
                            group.addTask { try await future.value == index * index }
                        }
                        for try await matched in group { #expect(matched) }
                    }
                }
            }
        }

        @Test func cancellingTheTaskThatPollsCancelsTheJob() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                    // Polls of 20 s: a poll that did not end at the cancellation would outlast the check below.
                    pool.dispatcher.replyPoll.pollFromNowOn(for: 20_000_000_000)
                    let future = try await pool.submit(BuiltinJobs.sleep, 60_000)
                    let clock = ContinuousClock()
                    let start = clock.now
                    let waiter = Task { try await future.value }
                    try await Task.sleep(for: .milliseconds(50))
                    waiter.cancel()
                    await #expect(throws: CancellationError.self) { try await waiter.value }
                    #expect(future.state == .cancelled)
                    #expect(clock.now - start < .seconds(15), "the poll ended at the cancellation")
                    #expect(try await pool.submit(BuiltinJobs.square, 6).value == 36)
                }
            }
        }

        @Test func aWorkerThatDiesDuringAPollFailsItsJobAndThePoolGoesOn() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1))) { pool in
                    pool.dispatcher.replyPoll.pollFromNowOn(for: Self.longPoll)
                    let future = try await pool.submit(BuiltinJobs.crashBySignal, Int32(SIGKILL))
                    let error = await #expect(throws: WorkerCrashed.self) { try await future.value }
                    #expect(error?.signal == SIGKILL)
                    #expect(try await pool.submit(BuiltinJobs.square, 9).value == 81)
                }
            }
        }
    }
}

extension Sequence {
    /// The elements mapped by `transform`, one after another.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
