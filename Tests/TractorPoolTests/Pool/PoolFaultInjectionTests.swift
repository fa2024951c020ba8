//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorRuntime
import TractorTestSupport

@testable import TractorPool

extension PoolSpawningTests {
    /// Faults of the connection to a worker, injected at a chosen frame: a failed write or a cut connection is the
    /// same event as the worker's death, whichever moment it strikes.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolFaultInjectionTests {
        /// The portal of each worker up now.
        static func portals(of pool: ProcessPool) -> [Portal] {
            pool.dispatcher.state.withLock { state in
                state.portals.sorted { $0.key.index < $1.key.index }.map(\.value)
            }
        }

        @Test(arguments: [0, 1, 2, 5, 20])
        func aWriteFailingAtTheNthFrameFailsOnlyThatWorkersJobs(frame: Int) async throws {
            let log = LogCapture()
            defer { PoolTesting.expectOnly(PoolTesting.crashWarnings, in: log) }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2), log: log)) { pool in
                    _ = try await pool.bindings
                    let victim = try #require(Self.portals(of: pool).first)
                    victim.channelForFaultInjection.injectWriteFailure(afterFrames: frame)
                    var futures: [JobFuture<Int>] = []
                    for value in 0..<300 { futures.append(try await pool.submit(BuiltinJobs.square, value)) }
                    var outcome = ChaosOutcome()
                    for (value, future) in futures.enumerated() {
                        outcome.record(await Result(catching: { try await future.value }), expected: value * value)
                    }
                    outcome.check(seed: UInt64(frame), kills: 0, total: futures.count)
                    #expect(pool.statistics.workerCrashes == 1, "the worker whose write failed is replaced")
                    #expect(try await pool.bindings.allSatisfy { $0.pid != victim.actor.pid })
                    try await ChaosMonkey.poolStillServes(pool)
                }
            }
        }

        @Test func aConnectionCutMidJobFailsThatJobWithWorkerCrashed() async throws {
            let log = LogCapture()
            defer { PoolTesting.expectOnly(PoolTesting.crashWarnings, in: log) }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1), log: log)) { pool in
                    let long = try await pool.submit(BuiltinJobs.sleep, 60_000)
                    #expect(await PoolTesting.eventually { long.state == .running })
                    let victim = try #require(Self.portals(of: pool).first)
                    victim.channelForFaultInjection.injectDisconnection()
                    let crash = await #expect(throws: WorkerCrashed.self) { _ = try await long.value }
                    #expect(crash?.pid == victim.actor.pid)
                    #expect(crash?.job == "sleep")
                    #expect(try await pool.submit(BuiltinJobs.echo, "after").value == "after")
                }
            }
        }
    }
}
