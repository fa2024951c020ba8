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

/// An asynchronous sequence over another that says when its iterator is released (the task that read it has ended)
/// and how many elements were pulled, and that may give way to other tasks between elements.
struct Tracked<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element: Sendable {
    typealias Element = Base.Element

    final class Probe: Sendable {
        let released = Mutex(false)
        let pulled = Mutex(0)
    }

    /// Marks the probe when the iterator that holds it is released.
    final class Release {
        let probe: Probe
        init(_ probe: Probe) { self.probe = probe }
        deinit { probe.released.withLock { $0 = true } }
    }

    let base: Base
    let probe: Probe
    var yieldEvery = 0

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let release: Release
        let yieldEvery: Int

        mutating func next() async throws -> Element? {
            let pulled = release.probe.pulled.withLock { count -> Int in
                count += 1
                return count
            }
            if yieldEvery > 0, pulled % yieldEvery == 0 { await Task.yield() }
            return try await base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), release: Release(probe), yieldEvery: yieldEvery)
    }
}

extension PoolSpawningTests {
    /// Maps over asynchronous inputs: their reader task ends with the map, or with the pool's scope, and is awaited.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolMapReaderTests {
        struct InputFailed: Error {}

        @Test func aDroppedIteratorsReaderEndsAndThePoolsScopeAwaitsIt() async throws {
            var configuration = PoolTesting.configuration()
            configuration.mapReadAhead = 3
            // Items of half a millisecond each: chunks of two are never short enough for the pool to coalesce them
            // into larger ones, so the read-ahead is 3 chunks of 2 items.
            let probe = Tracked<AsyncStream<[Int]>>.Probe()
            let (stream, continuation) = AsyncStream<[Int]>.makeStream()
            for value in 0..<1_000 { continuation.yield([value, 500]) }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: configuration) { pool in
                    var outputs: [Int] = []
                    let input = Tracked(base: stream, probe: probe)
                    for try await square in pool.map(BuiltinJobs.squareSlowly, over: input, chunkSize: 2) {
                        outputs.append(square)
                        if outputs.count == 5 { break }
                    }
                    #expect(outputs == (0..<5).map { $0 * $0 })
                }
            }
            // The input never ended: its reader, parked on a full read-ahead, ended with the map.
            #expect(probe.released.withLock { $0 })
            #expect(probe.pulled.withLock { $0 } < 50, "it read only its read-ahead")
            continuation.finish()
        }

        @Test func theScopeEndsAReaderStillWaitingForItsInput() async throws {
            let probe = Tracked<AsyncStream<Int>>.Probe()
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            continuation.yield(3)
            try await PoolTesting.checkingLeaks {
                var kept: PoolMapSequence<Int, Int>.AsyncIterator?
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var iterator = pool.map(BuiltinJobs.square, over: Tracked(base: stream, probe: probe)).makeAsyncIterator()
                    let first = try await iterator.next()
                    #expect(first == 9)
                    // Kept past the scope, against the rules: the scope still ends the reader and awaits it.
                    kept = iterator
                }
                #expect(probe.released.withLock { $0 })
                #expect(kept != nil)
            }
            continuation.finish()
        }

        @Test func anInputsErrorComesAfterTheItemsReadBeforeIt() async throws {
            let (stream, continuation) = AsyncThrowingStream<Int, any Error>.makeStream()
            for value in 0..<7 { continuation.yield(value) }
            continuation.finish(throwing: InputFailed())
            let (outputs, error) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var outputs: [Int] = []
                    do {
                        for try await square in pool.map(BuiltinJobs.square, over: stream, chunkSize: 3) {
                            outputs.append(square)
                        }
                        return (outputs, nil as (any Error)?)
                    } catch {
                        return (outputs, error)
                    }
                }
            }
            #expect(outputs == (0..<7).map { $0 * $0 })
            #expect(error is InputFailed)
        }

        /// Seeded random shapes, as the `Sequence` maps' model test, over an asynchronous input that gives way to
        /// other tasks now and then. `TRACTOR_MODEL_SEED=<seed>` replays one.
        @Test func asynchronousMapsAgreeWithALocalMapUnderRandomShapes() async throws {
            let seeds = PoolSpawningTests.modelSeeds(count: 16, spread: 0x2545_F491)
            for seed in seeds {
                var random = SplitMix64(seed: seed)
                // Three workers on two CPUs are more than the CPUs: the pool says so, in the capture.
                let log = LogCapture()
                defer { PoolTesting.expectOnly(["oversubscribe"], in: log) }
                let configuration = PoolSpawningTests.randomMapConfiguration(using: &random, log: log)
                let count = Int.random(in: 0...200, using: &random)
                var inputs = Array(0..<count)
                let failing = count > 0 && Bool.random(using: &random) ? Int.random(in: 0..<count, using: &random) : nil
                if let failing { inputs[failing] = -1 }
                let chunkSize = Bool.random(using: &random) ? nil : Int.random(in: 1...25, using: &random)
                let ordered = Bool.random(using: &random)
                let yieldEvery = Int.random(in: 0...7, using: &random)
                let context = "seed \(seed): \(count) items, failing \(String(describing: failing)), chunk "
                    + "\(String(describing: chunkSize)), read-ahead \(String(describing: configuration.mapReadAhead)), "
                    + "\(ordered ? "ordered" : "unordered"), yield every \(yieldEvery)"
                let (stream, continuation) = AsyncStream<Int>.makeStream()
                for input in inputs { continuation.yield(input) }
                continuation.finish()
                let probe = Tracked<AsyncStream<Int>>.Probe()
                let input = Tracked(base: stream, probe: probe, yieldEvery: yieldEvery)

                try await withProcessPool(configuration: configuration) { pool in
                    let sequence = ordered
                        ? pool.map(BuiltinJobs.failOnNegative, over: input, chunkSize: chunkSize)
                        : pool.mapUnordered(BuiltinJobs.failOnNegative, over: input, chunkSize: chunkSize)
                    var iterator = sequence.makeAsyncIterator()
                    let (outputs, failure) = await PoolSpawningTests.drain(&iterator)
                    // The map has ended: its reader has ended too, and was awaited.
                    #expect(probe.released.withLock { $0 }, "\(context)")
                    let after = try await iterator.next()
                    #expect(after == nil, "\(context): after its end")
                    if let failing {
                        #expect((failure as? RemoteActorError)?.message == "negative input -1", "\(context)")
                        if ordered { #expect(outputs == Array(0..<failing), "\(context)") }
                    } else {
                        #expect(failure == nil, "\(context): \(String(describing: failure))")
                        #expect((ordered ? outputs : outputs.sorted()) == inputs, "\(context)")
                    }
                    #expect(Set(outputs).count == outputs.count, "\(context): an output twice")
                }
            }
        }
    }
}
