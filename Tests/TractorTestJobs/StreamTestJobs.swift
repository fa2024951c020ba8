//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import TractorRuntime

/// How many stream jobs run in this process now, and how many elements the producer has sent.
let activeStreamJobs = Atomic<Int>(0)
let producerSent = Atomic<Int>(0)

/// Input of ``StreamTestJobs/producer``.
public struct ProducerInput: Codable, Sendable {
    public var count: Int
    public var payloadBytes: Int
    public init(count: Int, payloadBytes: Int) {
        self.count = count
        self.payloadBytes = payloadBytes
    }
}

/// The streaming and context jobs of the integration tests.
public enum StreamTestJobs {
    /// Streams `0..<count` as fast as credit allows (`count < 0`: forever).
    public static let ticker = StreamJob("ticker") { (count: Int, out: StreamWriter<Int>) in
        activeStreamJobs.add(1, ordering: .relaxed)
        defer { activeStreamJobs.subtract(1, ordering: .relaxed) }
        var tick = 0
        while count < 0 || tick < count {
            try await out.send(tick)
            tick += 1
        }
    }

    /// Records its pid in the input directory, then streams `0, 1, 2, …` forever as fast as credit allows; a
    /// cancellation that reaches it is recorded as `<pid>.cancelled` (see ``recordedCancellations(in:)``).
    public static let tickerRecordingCancellation = StreamJob("tickerRecordingCancellation") {
        (directory: String, out: StreamWriter<Int>) in
        activeStreamJobs.add(1, ordering: .relaxed)
        defer { activeStreamJobs.subtract(1, ordering: .relaxed) }
        recordPID(in: directory)
        try await recordingCancellation(in: directory) {
            var tick = 0
            while true {
                try await out.send(tick)
                tick += 1
            }
        }
    }

    /// Streams `count` byte arrays of `payloadBytes` each, counting what it sent.
    public static let producer = StreamJob("producer") { (input: ProducerInput, out: StreamWriter<[UInt8]>) in
        activeStreamJobs.add(1, ordering: .relaxed)
        defer { activeStreamJobs.subtract(1, ordering: .relaxed) }
        producerSent.store(0, ordering: .relaxed)
        let payload = [UInt8](repeating: 0xab, count: input.payloadBytes)
        for _ in 0..<input.count {
            try await out.send(payload)
            producerSent.add(1, ordering: .relaxed)
        }
    }

    /// How many elements the producer has sent so far.
    public static let producerProgress = Job("producerProgress") { producerSent.load(ordering: .relaxed) }

    /// How many stream jobs are running in this actor.
    public static let activeStreams = Job("activeStreams") { activeStreamJobs.load(ordering: .relaxed) }

    /// This process's resident set size, in bytes.
    public static let residentBytes = Job("residentBytes") { residentSetSize() }

    /// Streams ten ticks, then dies by SIGKILL.
    public static let tickThenCrash = StreamJob("tickThenCrash") { (_: NoInput, out: StreamWriter<Int>) in
        for tick in 0..<10 { try await out.send(tick) }
        kill(getpid(), SIGKILL)
        while true { pause() }
    }

    /// Streams `0..<count`, then waits (honouring cancellation) without ending the stream, for a test to kill it.
    public static let tickThenWait = StreamJob("tickThenWait") { (count: Int, out: StreamWriter<Int>) in
        for tick in 0..<count { try await out.send(tick) }
        try await Task.sleep(for: .seconds(3600))
    }

    /// Sends `started(first)`, echoes every value back, and after the caller finished its direction asks its
    /// iterator for three more values; returns how many of those were `nil` (3 when the end is sticky).
    public static let echoUntilEnd = ContextJob("echoUntilEnd") {
        (first: Int, context: JobContext<Int, Int, Int>) async throws -> Int in
        let stream = try await context.started(first)
        var iterator = stream.makeAsyncIterator()
        while let value = try await iterator.next() {
            try await stream.send(value)
        }
        var nils = 0
        for _ in 0..<3 {
            if try await iterator.next() == nil { nils += 1 }
        }
        return nils
    }

    /// Calls `started(_:)` twice; with `true` it ignores the second call's error and returns 0 as if all went well.
    public static let startedTwice = ContextJob("startedTwice") {
        (ignoreTheError: Bool, context: JobContext<Int, Int, Int>) async throws -> Int in
        _ = try await context.started(1)
        if ignoreTheError {
            _ = try? await context.started(2)
        } else {
            _ = try await context.started(2)
        }
        return 0
    }

    /// Sends `started(first)`, answers every "ping" with "pong", returns how many it answered.
    public static let pingPong = ContextJob("pingPong") {
        (first: Int, context: JobContext<Int, String, String>) async throws -> Int in
        let stream = try await context.started(first)
        var pongs = 0
        for try await ping in stream where ping == "ping" {
            try await stream.send("pong")
            pongs += 1
        }
        return pongs
    }

    /// Records its pid in the input directory, sends `started(0)` and answers every "ping" with "pong" until the
    /// caller ends; a cancellation that reaches it is recorded as `<pid>.cancelled` (see
    /// ``recordedCancellations(in:)``).
    public static let pingPongRecordingCancellation = ContextJob("pingPongRecordingCancellation") {
        (directory: String, context: JobContext<Int, String, String>) async throws -> Int in
        recordPID(in: directory)
        return try await recordingCancellation(in: directory) {
            let stream = try await context.started(0)
            var pongs = 0
            for try await ping in stream where ping == "ping" {
                try await stream.send("pong")
                pongs += 1
            }
            return pongs
        }
    }

    /// Starts two `ticker` actors counting to `count`, merges their streams without duplicates, in order.
    public static let aggregate = StreamJob("aggregate") { (count: Int, out: StreamWriter<Int>) in
        try await withActorNursery { nursery in
            let first = try await nursery.startActor("streamer-a")
            let second = try await nursery.startActor("streamer-b")
            try await first.openStream(ticker, count) { a in
                try await second.openStream(ticker, count) { b in
                    var itA = a.makeAsyncIterator()
                    var itB = b.makeAsyncIterator()
                    var last = -1
                    while true {
                        let x = try await itA.next()
                        let y = try await itB.next()
                        if x == nil && y == nil { break }
                        for value in [x, y].compactMap({ $0 }) where value > last {
                            try await out.send(value)
                            last = value
                        }
                    }
                }
            }
        }
    }

    /// Every job above.
    public static let all: [any JobDefinition] = [
        ticker, producer, producerProgress, activeStreams, residentBytes, tickThenCrash, pingPong, aggregate,
        tickThenWait, echoUntilEnd, startedTwice, tickerRecordingCancellation, pingPongRecordingCancellation,
    ]
}

/// `VmRSS` of this process, in bytes.
public func residentSetSize(of pid: Int32 = getpid()) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
    return 0
}
