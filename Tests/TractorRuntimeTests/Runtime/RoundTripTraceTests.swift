//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
@testable import TractorRuntime
import TractorTestSupport

/// The round-trip trace: a recorder that keeps what it can and writes it in the documented format, and a traced run
/// whose files, from two processes, put every call's points in causal order.
@Suite struct RoundTripTraceTests {
    typealias Point = RoundTripTrace.Point

    @Test func aRecorderKeepsItsCapacityCountsTheRestAndWritesSixteenBytesAPoint() throws {
        let recorder = RoundTripTrace.Recorder(capacity: 1000)
        let threads = 4
        let perThread = 400
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread { recorder.record(index % 2 == 0 ? .callBegan : .callerResumed) }
            _ = thread
        }
        #expect(recorder.count == threads * perThread)
        let kept = recorder.recorded
        #expect(kept.count == 1000)
        #expect(kept.allSatisfy { $0.point == Point.callBegan.rawValue || $0.point == Point.callerResumed.rawValue })
        // Each thread's points are in its own order in time.
        for thread in Set(kept.map(\.thread)) {
            let times = kept.filter { $0.thread == thread }.map(\.nanoseconds)
            #expect(times == times.sorted())
        }

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(recorder.write(to: path))
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(data.count == 1000 * 16)
        let decoded = Self.decode([UInt8](data))
        #expect(decoded.map(\.point) == kept.map(\.point))
        #expect(decoded.map(\.thread) == kept.map(\.thread))
        #expect(decoded.map(\.nanoseconds) == kept.map(\.nanoseconds))

        #expect(!recorder.write(to: "/nonexistent-directory/trace"))
    }

    @Test func anEmptyRecorderWritesAnEmptyFile() throws {
        let recorder = RoundTripTrace.Recorder(capacity: 0)
        recorder.record(.loopWoke)
        #expect(recorder.count == 1)
        #expect(recorder.recorded.isEmpty)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(recorder.write(to: path))
        #expect(FileManager.default.contents(atPath: path)?.isEmpty == true)
    }

    /// `tractor-test-worker round-trips N` with `TRACTOR_ROUND_TRIP_TRACE`: the root and its actor each write their
    /// points at exit, and every call passes its points in causal order across the two processes.
    @Test(.timeLimit(.minutes(2)))
    func aTracedRunRecordsEveryCallsPointsInCausalOrderInBothProcesses() async throws {
        let calls = 50
        let directory = ProcessInspection.temporaryDirectory()
        var environment = ProcessInfo.processInfo.environment
        environment["TRACTOR_ROUND_TRIP_TRACE"] = directory
        let (status, _, log) = try await SpawningTests.ManyActorsTests.runRoot(
            ["round-trips", "\(calls)"], environment: environment
        )
        #expect(status == 0, "\(log)")

        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".trace") }
        #expect(files.count == 2, "the root's and the actor's: \(files)")
        var events: [(nanoseconds: UInt64, pid: Int32, point: UInt8)] = []
        var callers: [Int32] = []
        for file in files {
            let pid = try #require(Int32(file.dropLast(".trace".count)))
            let data = try #require(FileManager.default.contents(atPath: directory + "/" + file))
            let points = Self.decode([UInt8](data))
            if points.contains(where: { $0.point == Point.callBegan.rawValue }) { callers.append(pid) }
            events += points.map { ($0.nanoseconds, pid, $0.point) }
        }
        #expect(callers.count == 1, "only the root calls: \(callers)")
        let root = try #require(callers.first)
        events.sort { $0.nanoseconds < $1.nanoseconds }

        // One round trip from each of the root's calls to the next.
        var trips: [[(nanoseconds: UInt64, pid: Int32, point: UInt8)]] = []
        for event in events {
            if event.pid == root, event.point == Point.callBegan.rawValue {
                trips.append([event])
            } else if !trips.isEmpty {
                trips[trips.count - 1].append(event)
            }
        }
        #expect(trips.count == calls)
        let chain: [(Int32?, Point)] = [
            (root, .callBegan), (nil, .requestRead), (nil, .jobStarted), (nil, .jobReturned), (root, .replyRead),
            (root, .callerResumed),
        ]
        for (index, trip) in trips.enumerated() {
            var at = trip.startIndex
            for (side, point) in chain {
                let found = trip[at...].firstIndex {
                    $0.point == point.rawValue && (side == nil ? $0.pid != root : $0.pid == side)
                }
                #expect(found != nil, "call \(index) has no \(point) after the points before it")
                guard let found else { break }
                at = found
            }
        }
        // The marks after a send come once the send returns, which a thread preempted in it may do after the peer
        // has answered (or the caller has gone on to its next call): counted, not placed.
        #expect(events.filter { $0.pid == root && $0.point == Point.requestSent.rawValue }.count >= calls)
        #expect(events.filter { $0.pid != root && $0.point == Point.replySent.rawValue }.count >= calls)
    }

    static func decode(_ bytes: [UInt8]) -> [(point: UInt8, thread: UInt32, nanoseconds: UInt64)] {
        stride(from: 0, to: bytes.count - bytes.count % 16, by: 16).map { offset in
            func word(_ at: Int) -> UInt64 {
                (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
            }
            let first = word(offset)
            return (UInt8(truncatingIfNeeded: first), UInt32(truncatingIfNeeded: first >> 8), word(offset + 8))
        }
    }
}
