//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import Dispatch
import Foundation
import PoolWorkerJobs
import TractorPool

/// A pool of `pool-worker`s (built next to this binary), one per core unless said otherwise.
func poolConfiguration(_ placement: Placement = .perCore) -> ProcessPoolConfiguration {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let directory = URL(fileURLWithPath: executable).deletingLastPathComponent().path
    var configuration = ProcessPoolConfiguration(placement: placement)
    configuration.executable = .path(directory + "/pool-worker")
    return configuration
}

/// The count-primes workload: `[0, primesLimit)` in `primesPieces` ranges, the same for the pool and in-process.
let primesLimit = 3_000_000
let primesPieces = 64
let primesRanges: [Range<Int>] = (0..<primesPieces).map { piece in
    (piece * primesLimit / primesPieces)..<((piece + 1) * primesLimit / primesPieces)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 1_000
    )

    // No-op map throughput: each scaled iteration is one item, so throughput reads in items per second.
    for (name, chunkSize, scaling) in [
        ("chunk 1", 1 as Int?, BenchmarkScalingFactor.kilo),
        ("chunk 100", 100, .mega),
        ("chunk 1000", 1_000, .mega),
        ("auto-chunked", nil, .mega),
    ] {
        Benchmark(
            "Pool no-op map, \(name)",
            configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: scaling, maxIterations: 20)
        ) { benchmark in
            try await withProcessPool(configuration: poolConfiguration()) { pool in
                // Warm up: workers started, chunk size learnt.
                for try await value in pool.map(BuiltinJobs.noop, over: 0..<20_000, chunkSize: chunkSize) {
                    blackHole(value)
                }
                benchmark.startMeasurement()
                for try await value in pool.map(BuiltinJobs.noop, over: benchmark.scaledIterations, chunkSize: chunkSize) {
                    blackHole(value)
                }
                benchmark.stopMeasurement()
            }
        }
    }

    Benchmark(
        "Pool submit round trip",
        configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .one, maxIterations: 20_000)
    ) { benchmark in
        try await withProcessPool(configuration: poolConfiguration()) { pool in
            _ = try await pool.submit(BuiltinJobs.noop, 0).value
            _ = try await pool.bindings
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(try await pool.submit(BuiltinJobs.noop, index).value)
            }
            benchmark.stopMeasurement()
        }
    }

    // CPU-bound scaling: the same Swift function over the same ranges, in pool workers and in-process.
    Benchmark("Count primes, pool (perCore)", configuration: .init(scalingFactor: .one, maxIterations: 10)) {
        benchmark in
        try await withProcessPool(configuration: poolConfiguration()) { pool in
            _ = try await pool.bindings
            benchmark.startMeasurement()
            var total = 0
            for try await count in pool.map(BuiltinJobs.countPrimes, over: primesRanges, chunkSize: 1) { total += count }
            benchmark.stopMeasurement()
            precondition(total == 216_816)
        }
    }

    Benchmark(
        "Count primes, in-process concurrentPerform",
        configuration: .init(scalingFactor: .one, maxIterations: 10)
    ) { benchmark in
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: primesPieces)
        defer { counts.deallocate() }
        nonisolated(unsafe) let slots = counts
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: primesPieces) { piece in
            slots[piece] = countPrimes(in: primesRanges[piece])
        }
        benchmark.stopMeasurement()
        precondition(counts.reduce(0, +) == 216_816)
    }

    Benchmark(
        "Pool start-up to first result",
        configuration: .init(metrics: [.wallClock], scalingFactor: .one, maxIterations: 200)
    ) { benchmark in
        for index in benchmark.scaledIterations {
            let value = try await withProcessPool(configuration: poolConfiguration()) { pool in
                try await pool.submit(BuiltinJobs.noop, index).value
            }
            blackHole(value)
        }
    }
}
