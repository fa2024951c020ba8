//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Synchronization
import Testing
import TractorPool

extension PoolSpawningTests {
    /// `map` and `mapUnordered` against real workers.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolMapTests {
        static let inputs = Array(0..<45)

        @Test(arguments: [1, 3, 6, 40, 50, nil] as [Int?])
        func mapEqualsALocalMapInInputOrder(chunkSize: Int?) async throws {
            let outputs = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var outputs: [Int] = []
                    for try await square in pool.map(BuiltinJobs.square, over: Self.inputs, chunkSize: chunkSize) {
                        outputs.append(square)
                    }
                    return outputs
                }
            }
            #expect(outputs == Self.inputs.map { $0 * $0 })
        }

        @Test func anOrderedMapWaitsForItsFirstChunkWhileLaterOnesComeBack() async throws {
            // The first item sleeps while the rest return at once, on the other worker: the consumer waits for the
            // first chunk alone (the later ones only wait for it) and then takes them all, in order.
            let inputs = [400] + Array(repeating: 0, count: 30)
            let outputs = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var outputs: [Int] = []
                    for try await value in pool.map(BuiltinJobs.sleep, over: inputs, chunkSize: 1) {
                        outputs.append(value)
                    }
                    return outputs
                }
            }
            #expect(outputs == inputs)
        }

        @Test func mapReadsAnAsyncSequenceLazily() async throws {
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    continuation.yield(1)
                    var outputs: [Int] = []
                    // The stream has yielded one element and is still open: the map must deliver it without
                    // waiting for the end of its input.
                    for try await square in pool.map(BuiltinJobs.square, over: stream, chunkSize: 1) {
                        outputs.append(square)
                        if outputs.count < 5 { continuation.yield(outputs.count + 1) } else { continuation.finish() }
                    }
                    #expect(outputs == [1, 4, 9, 16, 25])
                }
            }
        }

        @Test func mapReadsASequenceOnlyItsReadAheadBeyondWhatWasConsumed() async throws {
            var configuration = PoolTesting.configuration()
            configuration.mapReadAhead = 4
            let pulled = Mutex(0)
            let inputs = (0..<1_000).lazy.map { value -> Int in
                pulled.withLock { $0 += 1 }
                return value % 3
            }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    var iterator = pool.map(BuiltinJobs.sleep, over: inputs, chunkSize: 1).makeAsyncIterator()
                    _ = try await iterator.next()
                    // Every chunk read ahead has run and come back; nothing more is read until more is consumed.
                    #expect(await PoolTesting.eventually {
                        pool.statistics.chunksRunning == 0 && pool.statistics.jobsQueued == 0
                    })
                    let read = pulled.withLock { $0 }
                    #expect(read >= 2, "it reads ahead")
                    #expect(read <= 1 + 4, "one consumed, four ahead: read \(read) of 1,000")
                    for _ in 0..<10 { _ = try await iterator.next() }
                    #expect(pulled.withLock { $0 } <= 11 + 4)
                }
            }
        }

        @Test func aMapRunsOnEveryWorkerAtOnce() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                    var reports: [[Int]] = []
                    for try await report in pool.map(BuiltinJobs.spinAndReport, over: [100, 100, 100, 100], chunkSize: 1) {
                        reports.append(report)
                    }
                    #expect(Set(reports.map { $0[0] }).count == 2, "both workers ran items: \(reports.map { $0[0] })")
                    // Some two items overlapped in time.
                    let overlapped = reports.indices.contains { i in
                        reports.indices.contains { j in i != j && reports[i][1] < reports[j][2] && reports[j][1] < reports[i][2] }
                    }
                    #expect(overlapped)
                }
            }
        }

        @Test func everyIteratorKeepsEndingAfterItsEnd() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var ordered = pool.map(BuiltinJobs.square, over: 0..<5).makeAsyncIterator()
                    while try await ordered.next() != nil {}
                    for _ in 0..<3 { #expect(try await ordered.next() == nil) }

                    var unordered = pool.mapUnordered(BuiltinJobs.square, over: 0..<5).makeAsyncIterator()
                    while try await unordered.next() != nil {}
                    for _ in 0..<3 { #expect(try await unordered.next() == nil) }

                    var failed = pool.map(BuiltinJobs.failOnNegative, over: [1, -1, 2], chunkSize: 1).makeAsyncIterator()
                    #expect(try await failed.next() == 1)
                    await #expect(throws: RemoteActorError.self) { _ = try await failed.next() }
                    for _ in 0..<3 { #expect(try await failed.next() == nil, "a map ends at its first error") }

                    let futures = [try await pool.submit(BuiltinJobs.square, 2), try await pool.submit(BuiltinJobs.square, 3)]
                    var completions = pool.completions(of: futures).makeAsyncIterator()
                    while try await completions.next() != nil {}
                    for _ in 0..<3 { #expect(try await completions.next() == nil) }
                }
            }
        }

        @Test func mapUnorderedDeliversEveryOutput() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var outputs: [Int] = []
                    for try await square in pool.mapUnordered(BuiltinJobs.square, over: Self.inputs, chunkSize: 4) {
                        outputs.append(square)
                    }
                    #expect(outputs.sorted() == Self.inputs.map { $0 * $0 })
                }
            }
        }

        @Test func mapOfNothingEndsAtOnce() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var count = 0
                    for try await _ in pool.map(BuiltinJobs.square, over: [Int]()) { count += 1 }
                    #expect(count == 0)
                }
            }
        }

        @Test(arguments: [1, 3, 6, nil] as [Int?])
        func anErrorAtItemKIsRaisedWhenItemKIsReached(chunkSize: Int?) async throws {
            var inputs = Array(0..<20)
            inputs[7] = -7
            let (delivered, error) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var delivered: [Int] = []
                    do {
                        let values = pool.map(BuiltinJobs.failOnNegative, over: inputs, chunkSize: chunkSize)
                        for try await value in values {
                            delivered.append(value)
                        }
                        return (delivered, nil as RemoteActorError?)
                    } catch let error as RemoteActorError {
                        return (delivered, error)
                    }
                }
            }
            #expect(delivered == Array(0..<7))
            #expect(error?.message == "negative input -7")
            #expect(error?.isRemote("BuiltinJobError") == true)
            #expect(error?.job == "fail-on-negative")
        }

        /// Once the job is known to take microseconds, chunk-1 maps travel several chunks per call: outputs stay in
        /// order, and an item's error still fails that item alone, when it is reached.
        @Test func tinyChunksTravelInGroupsAndStillFailOneByOne() async throws {
            var inputs = Array(0..<3_000)
            inputs[2_500] = -1
            let (warm, delivered, error) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var warm: [Int] = []
                    for try await value in pool.map(BuiltinJobs.failOnNegative, over: 0..<3_000, chunkSize: 1) {
                        warm.append(value)
                    }
                    var delivered: [Int] = []
                    do {
                        for try await value in pool.map(BuiltinJobs.failOnNegative, over: inputs, chunkSize: 1) {
                            delivered.append(value)
                        }
                        return (warm, delivered, nil as RemoteActorError?)
                    } catch let error as RemoteActorError {
                        return (warm, delivered, error)
                    }
                }
            }
            #expect(warm == Array(0..<3_000))
            #expect(delivered == Array(0..<2_500))
            #expect(error?.message == "negative input -1")
        }

        @Test func aMapTimeoutRaisesATimeoutErrorAndCancelsTheRest() async throws {
            let clock = ContinuousClock()
            let start = clock.now
            let inputs = [10, 10, 10, 10] + Array(repeating: 60_000, count: 8)
            let (delivered, error, statistics) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var delivered: [Int] = []
                    var caught: TractorError?
                    do {
                        let values = pool.map(BuiltinJobs.sleep, over: inputs, chunkSize: 1, timeout: .seconds(2))
                        for try await value in values {
                            delivered.append(value)
                        }
                    } catch let error as TractorError {
                        caught = error
                    }
                    // Every long sleep ends cancelled before the scope may end.
                    await pool.shutdown(wait: true)
                    return (delivered, caught, pool.statistics)
                }
            }
            #expect(delivered == [10, 10, 10, 10])
            #expect(error?.code == .timedOut)
            #expect(statistics.jobsCancelled == 8)
            // The 60-second sleeps did not run to their end.
            #expect(clock.now - start < .seconds(40))
        }
    }
}
