//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PoolWorkerJobs
import Testing
import TractorPool

extension PoolSpawningTests {
    /// Progress reports of maps and futures against real workers.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolProgressMapTests {
        static let count = 10_000
        static let inputs = Array(0..<count)

        /// The inputs as an asynchronous sequence, all there at once.
        static func stream(_ inputs: [Int]) -> AsyncStream<Int> {
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            for input in inputs { continuation.yield(input) }
            continuation.finish()
            return stream
        }

        @Test(arguments: [(true, false), (false, false), (true, true), (false, true)])
        func aMapOfTenThousandReportsMonotonicSnapshotsEndingAtTenThousandDone(
            ordered: Bool,
            async: Bool
        ) async throws {
            let recorder = ProgressRecorder()
            let outputs = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let progress = recorder.reporter()
                    let square = BuiltinJobs.square
                    let map: PoolMapSequence<Int, Int>
                    switch (ordered, async) {
                    case (true, false): map = pool.map(square, over: Self.inputs, progress: progress)
                    case (false, false): map = pool.mapUnordered(square, over: Self.inputs, progress: progress)
                    case (true, true): map = pool.map(square, over: Self.stream(Self.inputs), progress: progress)
                    case (false, true): map = pool.mapUnordered(square, over: Self.stream(Self.inputs), progress: progress)
                    }
                    var outputs: [Int] = []
                    for try await output in map { outputs.append(output) }
                    // The handler has had the final snapshot by the time the loop ends.
                    #expect(recorder.snapshots.last?.isFinal == true)
                    return outputs
                }
            }
            let expected = Self.inputs.map { $0 * $0 }
            #expect(ordered ? outputs == expected : outputs.sorted() == expected)
            let snapshots = recorder.snapshots
            let final = try ProgressRecorder.check(snapshots)
            #expect(final.done == Self.count && final.failed == 0 && final.cancelled == 0 && final.total == Self.count)
            if !async {
                #expect(snapshots.allSatisfy { $0.total == Self.count }, "an array's count is the total from the start")
            }
        }

        @Test(arguments: [true, false])
        func aFailingItemIsCountedFailedAndTheRestIsAccountedFor(ordered: Bool) async throws {
            var inputs = Self.inputs
            inputs[5_000] = -1
            let recorder = ProgressRecorder()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let progress = recorder.reporter()
                    let map =
                        ordered
                        ? pool.map(BuiltinJobs.failOnNegative, over: inputs, progress: progress)
                        : pool.mapUnordered(BuiltinJobs.failOnNegative, over: inputs, progress: progress)
                    var received = 0
                    await #expect(throws: RemoteActorError.self) {
                        for try await _ in map { received += 1 }
                    }
                    if ordered { #expect(received == 5_000) }
                }
            }
            let final = try ProgressRecorder.check(recorder.snapshots)
            #expect(final.failed == 1, "\(final)")
            #expect(final.total == Self.count)
            #expect(final.done >= (ordered ? 5_000 : 0))
        }

        @Test func leavingTheLoopEarlyEndsTheReportWithTheRestCancelled() async throws {
            let recorder = ProgressRecorder()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var received = 0
                    // A buffer of 200: most of the input is never read.
                    let progress = recorder.reporter()
                    let map = pool.map(BuiltinJobs.square, over: Self.inputs, bufferSize: 200, progress: progress)
                    for try await _ in map {
                        received += 1
                        if received == 100 { break }
                    }
                    // The iterator is gone: the map ended without waiting, and its report ends on its own.
                    await recorder.waitForFinal()
                }
            }
            let final = try ProgressRecorder.check(recorder.snapshots)
            #expect(final.done >= 100 && final.done < 300 && final.total == Self.count, "\(final)")
            #expect(final.cancelled == Self.count - final.done, "\(final)")
        }

        @Test func snapshotsCanBeIteratedByATaskOfTheCallersAndEndWithTheMap() async throws {
            let snapshots = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let progress = PoolProgress(every: .milliseconds(5))
                    return try await withThrowingTaskGroup(of: [PoolProgress.Snapshot].self) { group in
                        group.addTask {
                            var snapshots: [PoolProgress.Snapshot] = []
                            for await snapshot in progress { snapshots.append(snapshot) }
                            return snapshots
                        }
                        var sum = 0
                        let squares = pool.mapUnordered(BuiltinJobs.square, over: Self.inputs, progress: progress)
                        for try await square in squares {
                            sum &+= square
                        }
                        #expect(sum == Self.inputs.reduce(0) { $0 &+ $1 * $1 })
                        return try await group.next() ?? []
                    }
                }
            }
            let final = try ProgressRecorder.check(snapshots)
            #expect(final.done == Self.count)
        }

        @Test func aReporterGivenToASecondMapOrOutOfRangeMakesItsFirstNextThrow() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let progress = PoolProgress()
                    var first = pool.map(BuiltinJobs.square, over: 0..<10, progress: progress).makeAsyncIterator()
                    #expect(try await first.next() == 0)
                    let error = await #expect(throws: TractorError.self) {
                        for try await _ in pool.map(BuiltinJobs.square, over: 0..<10, progress: progress) {}
                    }
                    #expect(error?.code == .invalidArgument)
                    // The first map goes on, and its report with it.
                    while try await first.next() != nil {}
                    var snapshots = progress.makeAsyncIterator()
                    let final = try #require(await snapshots.next())
                    #expect(final.isFinal && final.done == 10)

                    var configuration = PoolProgress.Configuration()
                    configuration.interval = .zero
                    let refused = await #expect(throws: TractorError.self) {
                        let reporter = PoolProgress(configuration: configuration)
                        for try await _ in pool.map(BuiltinJobs.square, over: 0..<10, progress: reporter) {}
                    }
                    #expect(refused?.message.contains("interval must be positive") == true)
                }
            }
        }

        @Test func futuresReportTheirProgressToTheEnd() async throws {
            let recorder = ProgressRecorder()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var futures: [JobFuture<Int>] = []
                    for input in Self.inputs {
                        futures.append(try await pool.submit(BuiltinJobs.failOnNegative, input == 4_321 ? -1 : input))
                    }
                    try pool.reportProgress(of: futures, to: recorder.reporter())
                    _ = await pool.wait(futures)
                    await recorder.waitForFinal()
                }
            }
            let final = try ProgressRecorder.check(recorder.snapshots)
            #expect(final.done == Self.count - 1 && final.failed == 1 && final.total == Self.count, "\(final)")
        }

        @Test func noFuturesEndTheReportAtOnceAndOutsideTheScopeItIsRefused() async throws {
            let escaped = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let progress = PoolProgress()
                    try pool.reportProgress(of: [JobFuture<Int>](), to: progress)
                    var snapshots = progress.makeAsyncIterator()
                    let final = try #require(await snapshots.next())
                    #expect(final.isFinal && final.total == 0)
                    return pool
                }
            }
            let error = #expect(throws: TractorError.self) {
                try escaped.reportProgress(of: [JobFuture<Int>](), to: PoolProgress())
            }
            #expect(error?.code == .scopeClosed)
        }
    }
}
