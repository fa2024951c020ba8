//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import BenchmarkJobs
import Foundation
@_spi(Benchmarks) import TractorRuntime

/// The nursery configuration of every runtime benchmark: actors run `bench-worker`, built next to this binary.
/// A nursery whose actors run `worker`, built next to this benchmark: `bench-worker`, or `bench-worker-static` (the
/// same program linked with the README's lean recipe).
func workerConfiguration(_ worker: String = "bench-worker") -> ActorNurseryConfiguration {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    let directory = URL(fileURLWithPath: executable).deletingLastPathComponent().path
    var configuration = ActorNurseryConfiguration()
    configuration.executable = .path(directory + "/" + worker)
    return configuration
}

/// The tolerances `make bench-check` allows against the checked-in p90 thresholds (Benchmarks/Thresholds/), for the
/// given metrics: wide, because process spawning and socket round trips on a small shared machine are noisy (timings
/// may double when another build runs), so a timing fails only past twice its threshold.
func portalsThresholds(_ metrics: [BenchmarkMetric]) -> [BenchmarkMetric: BenchmarkThresholds] {
    let tolerances: [BenchmarkMetric: BenchmarkThresholds] = [
        .wallClock: .init(relative: [.p90: 100]),
        .throughput: .init(relative: [.p90: 100]),
        .mallocCountTotal: .init(relative: [.p90: 35]),
    ]
    return tolerances.filter { metrics.contains($0.key) }
}

let benchmarks: @Sendable () -> Void = {
    // package-benchmark preloads its malloc counter into this process through LD_PRELOAD (on Linux); the processes
    // this suite spawns must not inherit it: each would load the counter and, with it, the shared Swift libraries,
    // even a worker linked with -static-stdlib, and its start and memory would be the harness's.
    unsetenv("LD_PRELOAD")
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(3),
        maxIterations: 100_000,
        thresholds: portalsThresholds([.wallClock, .mallocCountTotal])
    )

    // Spawn an actor, run one job in it, and leave the nursery (the actor stopped and reaped): with the usual worker,
    // and with the same worker linked with `-static-stdlib` (`bench-worker-static`, built by `make bench-runtime`).
    for (name, worker) in [("", "bench-worker"), (", static-stdlib worker", "bench-worker-static")] {
        Benchmark("Spawn to first result\(name)", configuration: .init(maxIterations: 200)) { benchmark in
            for _ in benchmark.scaledIterations {
                let value = try await withActorNursery(configuration: workerConfiguration(worker)) { nursery in
                    try await nursery.runInActor(BenchmarkJobs.echo, 1, name: "first").result()
                }
                blackHole(value)
            }
        }
    }

    Benchmark(
        "portal.run round trip",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            scalingFactor: .kilo,
            thresholds: portalsThresholds([.wallClock, .throughput, .mallocCountTotal])
        )
    ) { benchmark in
        try await withActorNursery(configuration: workerConfiguration()) { nursery in
            let portal = try await nursery.startActor("echo")
            _ = try await portal.run(BenchmarkJobs.echo, 0)
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                blackHole(try await portal.run(BenchmarkJobs.echo, index))
            }
            benchmark.stopMeasurement()
        }
    }

    // The same round trip within this process, over a Unix socket and over an authenticated TCP loopback connection:
    // the transports compared with everything else equal (no second process; both ends on this process's I/O thread).
    for (name, loopback) in [("Unix socket", LoopbackPortal.unixSocket), ("TCP loopback", .tcp)] {
        Benchmark(
            "portal.run round trip in process, \(name)",
            configuration: .init(
                metrics: [.wallClock, .throughput, .mallocCountTotal],
                scalingFactor: .kilo,
                thresholds: portalsThresholds([.wallClock, .throughput, .mallocCountTotal])
            )
        ) { benchmark in
            try await LoopbackPortal.withPortal(over: loopback, serving: [BenchmarkJobs.echo]) { portal in
                _ = try await portal.run(BenchmarkJobs.echo, 0)
                benchmark.startMeasurement()
                for index in benchmark.scaledIterations {
                    blackHole(try await portal.run(BenchmarkJobs.echo, index))
                }
                benchmark.stopMeasurement()
            }
        }
    }

    // Each iteration moves 100,000 small messages, or 64 messages of 1 MiB, through one stream or split over eight
    // streams sharing one connection. Small messages flow with a window of 4,096 elements per stream (about 40 KB of
    // Ints in flight): with the default 64, one stream spends its time waiting for credit. The 1 MiB messages use the
    // default window (flow control counts messages, not bytes: 64 lets a stream have 64 MiB in flight), carry 64 MiB
    // per iteration, not more, and warm up once.
    let workloads: [(name: String, streams: Int, request: StreamRequest)] = [
        ("Stream small messages, one stream", 1, .integers(100_000)),
        ("Stream small messages, 8 streams", 8, .integers(100_000)),
        ("Stream 1 MiB messages, one stream", 1, .blobs(64, bytes: 1 << 20)),
        ("Stream 1 MiB messages, 8 streams", 8, .blobs(64, bytes: 1 << 20)),
    ]
    for workload in workloads {
        let warmups: Int
        if case .blobs = workload.request { warmups = 1 } else { warmups = 3 }
        Benchmark(
            workload.name,
            configuration: .init(warmupIterations: warmups, scalingFactor: .one, maxIterations: 20)
        ) { benchmark in
            try await withActorNursery(configuration: workerConfiguration()) { nursery in
                let portal = try await nursery.startActor("streamer")
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    let moved = try await withThrowingTaskGroup(of: Int.self) { group in
                        for _ in 0..<workload.streams {
                            let share = workload.request.divided(by: workload.streams)
                            group.addTask { try await share.run(on: portal) }
                        }
                        return try await group.reduce(0, +)
                    }
                    precondition(moved == workload.request.expectedUnits)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}

/// What one stream benchmark asks the worker to send.
enum StreamRequest: Sendable {
    /// `0..<count` as `Int`s; counts elements.
    case integers(Int)
    /// `count` byte arrays of `bytes` each; counts bytes.
    case blobs(Int, bytes: Int)

    /// The elements (or bytes) a whole iteration moves.
    var expectedUnits: Int {
        switch self {
        case .integers(let count): count
        case .blobs(let count, let bytes): count * bytes
        }
    }

    /// This request's share when split over `streams` streams.
    func divided(by streams: Int) -> StreamRequest {
        switch self {
        case .integers(let count): .integers(count / streams)
        case .blobs(let count, let bytes): .blobs(count / streams, bytes: bytes)
        }
    }

    /// Opens the stream on `portal`, reads it to the end, and returns the elements (or bytes) received.
    func run(on portal: Portal) async throws -> Int {
        switch self {
        case .integers(let count):
            return try await portal.openStream(BenchmarkJobs.count, count, window: 4096) { stream in
                var received = 0
                for try await _ in stream { received += 1 }
                return received
            }
        case .blobs(let count, let bytes):
            return try await portal.openStream(BenchmarkJobs.blobs, BlobRequest(count: count, bytes: bytes)) { stream in
                var received = 0
                for try await blob in stream { received += blob.count }
                return received
            }
        }
    }
}
