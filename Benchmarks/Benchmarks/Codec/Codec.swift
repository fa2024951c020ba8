//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
@_spi(Benchmarks) import TractorRuntime

/// A small struct, the shape of a typical job input: a handful of scalar fields and a short list.
struct SmallRecord: Codable, Equatable {
    var id: Int
    var name: String
    var score: Double
    var active: Bool
    var tags: [String]
}

/// The tolerances `make bench-check` allows against the checked-in p90 thresholds (Benchmarks/Thresholds/): timings
/// may double on the shared 2-core machine (another build on the other core does that), so only a worse slowdown
/// fails (throughput, the inverse of wall clock, is allowed as much either way); allocation counts should not move
/// at all, and are the sharp check.
var codecThresholds: [BenchmarkMetric: BenchmarkThresholds] {
    [
        .wallClock: .init(relative: [.p90: 100]),
        .throughput: .init(relative: [.p90: 100]),
        .mallocCountTotal: .init(absolute: [.p90: 2]),
    ]
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: codecThresholds
    )

    // 1,000 integers of mixed sizes: about a third fit a positive fixint, the rest take 2, 3 or 5 bytes.
    let integers = (0..<1_000).map { index in index % 3 == 0 ? index % 128 : (index * 7_919) % 140_000 - 70_000 }
    let encodedIntegers = try! MessagePackEncoder().encode(integers)
    let record = SmallRecord(id: 123_456, name: "is_prime", score: 0.25, active: true, tags: ["cpu", "numa0"])
    let encodedRecord = try! MessagePackEncoder().encode(record)
    let megabyte = [UInt8](repeating: 0x5a, count: 1 << 20)
    let encodedMegabyte = try! MessagePackEncoder().encode(megabyte)
    let yield = WireBenchmarkMessage.yield(cid: 42, payload: [UInt8](repeating: 1, count: 1_024))
    var framedYield: [UInt8] = []
    try! yield.encodeFrame(into: &framedYield)

    Benchmark("Encode [Int] x1000") { benchmark in
        let encoder = MessagePackEncoder()
        for _ in benchmark.scaledIterations {
            blackHole(try encoder.encode(integers))
        }
    }

    Benchmark("Decode [Int] x1000") { benchmark in
        let decoder = MessagePackDecoder()
        for _ in benchmark.scaledIterations {
            blackHole(try decoder.decode([Int].self, from: encodedIntegers))
        }
    }

    Benchmark("Encode small struct") { benchmark in
        let encoder = MessagePackEncoder()
        for _ in benchmark.scaledIterations {
            blackHole(try encoder.encode(record))
        }
    }

    Benchmark("Decode small struct") { benchmark in
        let decoder = MessagePackDecoder()
        for _ in benchmark.scaledIterations {
            blackHole(try decoder.decode(SmallRecord.self, from: encodedRecord))
        }
    }

    Benchmark("Encode [UInt8] 1 MiB") { benchmark in
        let encoder = MessagePackEncoder()
        for _ in benchmark.scaledIterations {
            blackHole(try encoder.encode(megabyte))
        }
    }

    Benchmark("Decode [UInt8] 1 MiB") { benchmark in
        let decoder = MessagePackDecoder()
        for _ in benchmark.scaledIterations {
            blackHole(try decoder.decode([UInt8].self, from: encodedMegabyte))
        }
    }

    Benchmark("Message yield 1 KiB: encode frame") { benchmark in
        var buffer: [UInt8] = []
        buffer.reserveCapacity(2_048)
        for _ in benchmark.scaledIterations {
            buffer.removeAll(keepingCapacity: true)
            try yield.encodeFrame(into: &buffer)
            blackHole(buffer)
        }
    }

    Benchmark("Message yield 1 KiB: frame and decode") { benchmark in
        var decoder = FrameDecoder()
        for _ in benchmark.scaledIterations {
            decoder.append(framedYield)
            blackHole(try decoder.withNextFrame { try WireBenchmarkMessage.decode(from: $0) })
        }
    }
}
