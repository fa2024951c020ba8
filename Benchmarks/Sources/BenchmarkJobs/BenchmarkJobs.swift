//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorRuntime

/// Input of ``BenchmarkJobs/blobs``: how many byte arrays, and how large.
public struct BlobRequest: Codable, Sendable {
    public var count: Int
    public var bytes: Int
    public init(count: Int, bytes: Int) {
        self.count = count
        self.bytes = bytes
    }
}

/// The jobs the runtime benchmarks call in `bench-worker` processes.
public enum BenchmarkJobs {
    /// Returns its input.
    public static let echo = Job("echo") { (value: Int) in value }

    /// Streams `0..<count`.
    public static let count = StreamJob("count") { (count: Int, out: StreamWriter<Int>) in
        for value in 0..<count { try await out.send(value) }
    }

    /// Streams `count` byte arrays of `bytes` bytes each.
    public static let blobs = StreamJob("blobs") { (request: BlobRequest, out: StreamWriter<[UInt8]>) in
        let blob = [UInt8](repeating: 0x5a, count: request.bytes)
        for _ in 0..<request.count { try await out.send(blob) }
    }

    /// Every job above.
    public static let all: [any JobDefinition] = [echo, count, blobs]
}
