//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool
import TractorTestSupport

extension PoolSpawningTests {
    /// Workers that die: only their jobs fail, and the pool goes on.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolCrashTests {
        @Test func aWorkerKilledMidJobFailsThatJobAloneAndIsReplaced() async throws {
            let directory = PoolTesting.temporaryDirectory()
            let log = LogCapture()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2), log: log)) { pool in
                    let input = RecordAndSleep(directory: directory, milliseconds: 60_000)
                    let victim = try await pool.submit(BuiltinJobs.recordPIDAndSleep, input)
                    #expect(await PoolTesting.eventually { !PoolTesting.recordedPIDs(in: directory).isEmpty })
                    let pid = try #require(PoolTesting.recordedPIDs(in: directory).first)
                    kill(pid, SIGKILL)

                    let crash = await #expect(throws: WorkerCrashed.self) { _ = try await victim.value }
                    #expect(crash?.pid == pid)
                    #expect(crash?.signal == SIGKILL)
                    #expect(crash?.job == "record-pid-and-sleep")
                    #expect(crash?.message.contains("SIGKILL") == true)
                    #expect(victim.state == .failed)

                    var later: [JobFuture<Int>] = []
                    for value in 0..<100 { later.append(try await pool.submit(BuiltinJobs.square, value)) }
                    for (value, future) in later.enumerated() { #expect(try await future.value == value * value) }
                    // Once the replacement is up:
                    #expect(try await pool.bindings.allSatisfy { $0.pid != pid })
                    let statistics = pool.statistics
                    #expect(statistics.workerCrashes == 1)
                    #expect(statistics.workersStarted == 3)
                }
            }
            // The pool said so, once.
            #expect(log.lines.filter { $0.message.contains("killed by signal 9 (SIGKILL); replacing it") }.count == 1)
            PoolTesting.expectOnly(["SIGKILL); replacing it"], in: log)
        }

        @Test func aJobThatCrashesOrExitsItsWorkerReportsHow() async throws {
            let log = LogCapture()
            defer { PoolTesting.expectOnly(["(SIGSEGV); replacing it", "exited with status 3; replacing it"], in: log) }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(1), log: log)) { pool in
                    let segfault = try await pool.submit(BuiltinJobs.crashBySignal, SIGSEGV)
                    let crash = await #expect(throws: WorkerCrashed.self) { _ = try await segfault.value }
                    #expect(crash?.signal == SIGSEGV)
                    #expect(crash?.job == "crash-by-signal")
                    #expect(crash?.workerID == 0)

                    let exit = try await pool.submit(BuiltinJobs.exitWithStatus, 3)
                    let exited = await #expect(throws: WorkerCrashed.self) { _ = try await exit.value }
                    #expect(exited?.exitCode == 3)
                    #expect(exited?.message.contains("exited with status 3") == true)

                    #expect(try await pool.submit(BuiltinJobs.echo, "after").value == "after")
                }
            }
        }

        @Test func aCrashInAMapFailsItsChunkWhenReached() async throws {
            let log = LogCapture()
            defer { PoolTesting.expectOnly(["(SIGKILL); replacing it"], in: log) }
            try await PoolTesting.checkingLeaks {
                // One worker, one chunk in flight, and no chunk short enough to travel with others in one request: the
                // items before the crash have all ended before it starts.
                var configuration = PoolTesting.configuration(.workers(1), log: log)
                configuration.inFlightChunksPerWorker = 1
                configuration.targetChunkDuration = .microseconds(1)
                try await withProcessPool(configuration: configuration) { pool in
                    var delivered: [Int] = []
                    let inputs = [0, 0, 0, Int(SIGKILL), 0, 0]
                    let crash = await #expect(throws: WorkerCrashed.self) {
                        let signals = inputs.map(Int32.init)
                        for try await value in pool.map(BuiltinJobs.crashBySignal, over: signals, chunkSize: 1) {
                            delivered.append(value)
                        }
                    }
                    #expect(crash?.signal == SIGKILL)
                    #expect(crash?.job == "crash-by-signal")
                    #expect(crash?.inputIndex == 3)
                    #expect(crash?.message.contains("'crash-by-signal' (input 3)") == true)
                    #expect(delivered == [0, 0, 0], "every item before the crashed one, in order")
                    // The pool replaced the worker and goes on.
                    var squares: [Int] = []
                    for try await square in pool.map(BuiltinJobs.square, over: 0..<10) { squares.append(square) }
                    #expect(squares == (0..<10).map { $0 * $0 })
                }
            }
        }
    }
}
