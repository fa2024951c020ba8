//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorRuntime

/// What ``TransferTestJobs/digest`` answers for one byte array: its length and the sum of its bytes.
public struct ByteDigest: Codable, Sendable, Hashable {
    public var count: Int
    public var sum: Int
    public init(of bytes: [UInt8]) {
        count = bytes.count
        sum = bytes.reduce(0) { $0 + Int($1) }
    }
}

/// Jobs that move data both ways through contexts, for the tests that compare actors on other hosts with local ones.
public enum TransferTestJobs {
    /// Sends `started(first)`, answers every byte array the caller sends with its ``ByteDigest``, and returns how many
    /// bytes it received once the caller finished its direction.
    public static let digest = ContextJob("digest") {
        (first: Int, context: JobContext<Int, [UInt8], ByteDigest>) async throws -> Int in
        let stream = try await context.started(first)
        var total = 0
        for try await bytes in stream {
            total += bytes.count
            try await stream.send(ByteDigest(of: bytes))
        }
        return total
    }

    /// Sends `started(first)`, answers every value `v` with `v * v`, and returns the sum of what it received once the
    /// caller finished its direction.
    public static let squares = ContextJob("squares") {
        (first: Int, context: JobContext<Int, Int, Int>) async throws -> Int in
        let stream = try await context.started(first)
        var sum = 0
        for try await value in stream {
            sum += value
            try await stream.send(value * value)
        }
        return sum
    }

    /// Streams `count` byte arrays of `payloadBytes` each, the `i`-th filled with `i % 251`.
    public static let patterned = StreamJob("patterned") { (input: ProducerInput, out: StreamWriter<[UInt8]>) in
        for index in 0..<input.count {
            try await out.send([UInt8](repeating: UInt8(index % 251), count: input.payloadBytes))
        }
    }

    /// Every job above.
    public static let all: [any JobDefinition] = [digest, squares, patterned]
}
