//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PoolWorkerJobs
import Synchronization
import Testing
import TractorPool

extension PoolSpawningTests {
    /// A map's `bufferSize`, and `indexed()`, against real workers.
    @Suite(.timeLimit(.minutes(5)))
    struct MapBufferSizeTests {
        @Test(arguments: [1, 7, 64])
        func anEndlessSequenceIsReadNoFurtherThanTheBufferAheadOfTheConsumer(bufferSize: Int) async throws {
            let pulled = Atomic(0)
            let endless = (0...).lazy.map { value -> Int in
                pulled.add(1, ordering: .relaxed)
                return value % 5
            }
            var furthestAhead = 0
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var consumed = 0
                    for try await value in pool.map(BuiltinJobs.square, over: endless, bufferSize: bufferSize) {
                        #expect(value == (consumed % 5) * (consumed % 5))
                        consumed += 1
                        let ahead = pulled.load(ordering: .relaxed) - consumed
                        #expect(ahead < bufferSize, "\(ahead) read ahead of \(consumed) consumed")
                        furthestAhead = Swift.max(furthestAhead, ahead)
                        if consumed == 300 { break }
                    }
                }
            }
            // It does read ahead, as far as it may.
            #expect(furthestAhead == bufferSize - 1, "read \(furthestAhead) ahead at most")
        }

        @Test(arguments: [true, false])
        func anEndlessAsyncSequenceIsReadNoFurtherThanTheBufferAheadOfTheConsumer(ordered: Bool) async throws {
            let bufferSize = 5
            let pulled = Atomic(0)
            let consumed = Atomic(0)
            let overrun = Atomic(0)
            let endless = AsyncStream<Int> {
                let count = pulled.add(1, ordering: .relaxed).newValue
                // The reader takes one more only while fewer than bufferSize are ahead of what was handed out.
                if count - consumed.load(ordering: .relaxed) > bufferSize { overrun.add(1, ordering: .relaxed) }
                return count
            }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let map =
                        ordered
                        ? pool.map(BuiltinJobs.square, over: endless, bufferSize: bufferSize)
                        : pool.mapUnordered(BuiltinJobs.square, over: endless, bufferSize: bufferSize)
                    var seen = 0
                    for try await _ in map {
                        seen += 1
                        consumed.store(seen, ordering: .relaxed)
                        if seen == 300 { break }
                    }
                }
            }
            #expect(overrun.load(ordering: .relaxed) == 0, "the reader ran past the buffer")
            #expect(pulled.load(ordering: .relaxed) <= 300 + bufferSize)
        }

        @Test(arguments: [0, -3])
        func aBufferSizeBelowOneMakesTheFirstNextThrowBeforeAnythingIsRead(bufferSize: Int) async throws {
            let pulled = Atomic(0)
            let inputs = (0..<10).lazy.map { value -> Int in
                pulled.add(1, ordering: .relaxed)
                return value
            }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let progress = PoolProgress()
                    let error = await #expect(throws: TractorError.self) {
                        let map = pool.mapUnordered(
                            BuiltinJobs.square, over: inputs, bufferSize: bufferSize, progress: progress
                        )
                        for try await _ in map {}
                    }
                    #expect(error?.code == .invalidArgument)
                    #expect(error?.message.contains("bufferSize must be at least 1") == true, "\(error.map { "\($0)" } ?? "")")
                    // Its reporter ends too, so that nobody waits for it.
                    var snapshots = progress.makeAsyncIterator()
                    #expect(await snapshots.next()?.isFinal == true)
                }
            }
            #expect(pulled.load(ordering: .relaxed) == 0)
        }

        @Test(arguments: [(1, false), (7, false), (nil, false), (3, true)] as [(Int?, Bool)])
        func indexedMapUnorderedHandsBackEveryIndexOnceWithItsOutput(chunkSize: Int?, async: Bool) async throws {
            let inputs = Array(0..<2_000).map { ($0 * 7_919) % 2_000 }
            let pairs = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let map: PoolMapSequence<Int, Int>
                    if async {
                        let (stream, continuation) = AsyncStream<Int>.makeStream()
                        for input in inputs { continuation.yield(input) }
                        continuation.finish()
                        map = pool.mapUnordered(BuiltinJobs.square, over: stream, chunkSize: chunkSize)
                    } else {
                        map = pool.mapUnordered(BuiltinJobs.square, over: inputs, chunkSize: chunkSize)
                    }
                    var pairs: [(index: Int, output: Int)] = []
                    for try await pair in map.indexed() { pairs.append(pair) }
                    return pairs
                }
            }
            #expect(pairs.count == inputs.count)
            #expect(Set(pairs.map(\.index)) == Set(inputs.indices), "every index exactly once")
            #expect(pairs.allSatisfy { $0.output == inputs[$0.index] * inputs[$0.index] }, "each with its own output")
        }

        @Test func indexedOrderedMapCountsUpAndAFailureStillNamesItsIndex() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var indices: [Int] = []
                    let squares = pool.map(BuiltinJobs.square, over: 0..<500, bufferSize: 16)
                    for try await (index, output) in squares.indexed() {
                        #expect(output == index * index)
                        indices.append(index)
                    }
                    #expect(indices == Array(0..<500))

                    var before: [Int] = []
                    let error = await #expect(throws: RemoteActorError.self) {
                        let map = pool.map(BuiltinJobs.failOnNegative, over: [0, 1, 2, -3, 4], chunkSize: 5)
                        for try await (index, _) in map.indexed() {
                            before.append(index)
                        }
                    }
                    #expect(before == [0, 1, 2])
                    #expect(error?.inputIndex == 3)
                }
            }
        }
    }
}
