//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorTestSupport

@testable import TractorPool

extension PoolSpawningTests {
    /// The map engine against a reference model, on real workers: seeded random inputs, chunk sizes, read-aheads,
    /// in-flight windows, failing items and orders. An ordered map yields exactly the local map's outputs up to the
    /// first failing item, then that item's error; an unordered one yields each output at most once, only outputs of
    /// items that succeed, all of them when none fails; both keep ending after their end. A failure names its seed;
    /// `TRACTOR_MODEL_SEED=<seed>` replays it.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolMapModelTests {
        @Test func mapsAgreeWithALocalMapUnderRandomShapes() async throws {
            let seeds = PoolSpawningTests.modelSeeds(count: 24, spread: 0x51_7CC1)
            for seed in seeds {
                var random = SplitMix64(seed: seed)
                // Three workers on two CPUs are more than the CPUs: the pool says so, in the capture.
                let log = LogCapture()
                defer { PoolTesting.expectOnly(["oversubscribe"], in: log) }
                let configuration = PoolSpawningTests.randomMapConfiguration(using: &random, log: log)
                let count = Int.random(in: 0...300, using: &random)
                var inputs = (0..<count).map { $0 }
                let failing = count > 0 && Bool.random(using: &random) ? Int.random(in: 0..<count, using: &random) : nil
                if let failing { inputs[failing] = -1 }
                let chunkSize = Bool.random(using: &random) ? nil : Int.random(in: 1...25, using: &random)
                let ordered = Bool.random(using: &random)
                let context = "seed \(seed): \(count) items, failing \(String(describing: failing)), chunk "
                    + "\(String(describing: chunkSize)), read-ahead \(String(describing: configuration.mapReadAhead)), "
                    + "window \(configuration.inFlightChunksPerWorker), \(ordered ? "ordered" : "unordered")"

                try await withProcessPool(configuration: configuration) { pool in
                    let sequence = ordered
                        ? pool.map(BuiltinJobs.failOnNegative, over: inputs, chunkSize: chunkSize)
                        : pool.mapUnordered(BuiltinJobs.failOnNegative, over: inputs, chunkSize: chunkSize)
                    var iterator = sequence.makeAsyncIterator()
                    let (outputs, failure) = await PoolSpawningTests.drain(&iterator)
                    for _ in 0..<2 {
                        let after = try await iterator.next()
                        #expect(after == nil, "\(context): after its end")
                    }

                    if let failing {
                        let remote = failure as? RemoteActorError
                        #expect(remote?.message == "negative input -1", "\(context): \(String(describing: failure))")
                        if ordered {
                            #expect(outputs == Array(0..<failing), "\(context)")
                        }
                    } else {
                        #expect(failure == nil, "\(context): \(String(describing: failure))")
                        #expect((ordered ? outputs : outputs.sorted()) == inputs, "\(context)")
                    }
                    #expect(Set(outputs).count == outputs.count, "\(context): an output twice")
                    #expect(outputs.allSatisfy { $0 >= 0 && $0 < count }, "\(context)")
                }
            }
        }
    }

    /// Reads a map to its end or its first error: the outputs before it, and the error.
    static func drain(_ iterator: inout PoolMapSequence<Int, Int>.Iterator) async -> ([Int], (any Error)?) {
        var outputs: [Int] = []
        do {
            while let output = try await iterator.next() { outputs.append(output) }
        } catch {
            return (outputs, error)
        }
        return (outputs, nil)
    }

    /// The seeds of a model test: `TRACTOR_MODEL_SEED` alone when set (to replay one), else `count` spread ones.
    static func modelSeeds(count: Int, spread: UInt64) -> [UInt64] {
        ProcessInfo.processInfo.environment["TRACTOR_MODEL_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? (1...count).map { UInt64($0) &* spread }
    }

    /// A pool of one to three unbound workers, a random read-ahead (or the default) and a random window, logging
    /// into `log`.
    static func randomMapConfiguration(
        using random: inout SplitMix64,
        log: LogCapture
    ) -> ProcessPoolConfiguration {
        let workers = Int.random(in: 1...3, using: &random)
        var configuration = PoolTesting.configuration(.workers(workers), log: log)
        configuration.mapReadAhead = Bool.random(using: &random) ? nil : Int.random(in: 1...8, using: &random)
        configuration.inFlightChunksPerWorker = Int.random(in: 1...4, using: &random)
        return configuration
    }
}
