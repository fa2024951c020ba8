//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// A `map` puts short items many to a chunk, and every chunk travels in a call of its own: the pool's one
/// coalescing decision is the size of a map's chunks.
@Suite struct MapCoalescingTests {
    typealias Machine = PoolDispatcherStateMachine<String, SlotID>

    let t0 = ContinuousClock.now

    func machine(maximumJobsPerWorker: Int? = nil) -> Machine {
        Machine(
            configuration: .init(
                workerCount: 1,
                queueCapacity: 1_000,
                maximumJobsPerWorker: maximumJobsPerWorker,
                cancellationGrace: .milliseconds(500),
                targetChunkDuration: .milliseconds(5),
                maximumChunkSize: 1_000
            )
        )
    }

    func chunk(_ id: UInt64, job: String = "job", ofMap: Bool = true) -> Machine.Chunk {
        .init(id: ChunkID(rawValue: id), job: job, itemCount: 1, timeout: nil, payload: "chunk \(id)", ofMap: ofMap)
    }

    /// A machine with one ready worker that has measured `job` at `perItem`, with items of `bytes` each way.
    func measured(_ perItem: Duration, bytes: Int = 8, maximumJobsPerWorker: Int? = nil) -> (Machine, WorkerRef) {
        var machine = machine(maximumJobsPerWorker: maximumJobsPerWorker)
        let worker = machine.startWorker(0)!
        machine.workerStarted(worker, pid: 1_000)
        _ = machine.enqueue(chunk(1_000_000), now: t0)
        guard case (.run(let first), _) = machine.nextChunk(for: SlotID(rawValue: 0), of: worker, now: t0) else {
            Issue.record("the measuring chunk should run")
            return (machine, worker)
        }
        _ = machine.chunkReturned(first.id, elapsed: perItem, replyBytes: bytes)
        return (machine, worker)
    }

    @Test func tinyChunksTravelOnePerCallWithinTheWindow() {
        var (machine, worker) = measured(.nanoseconds(10))
        for id in 1...10 { _ = machine.enqueue(chunk(UInt64(id)), now: t0) }
        var started: [UInt64] = []
        for slot in 1...10 {
            let (decision, _) = machine.nextChunk(for: SlotID(rawValue: UInt64(slot)), of: worker, now: t0)
            guard case .run(let chunk) = decision else { break }
            started.append(chunk.id.rawValue)
        }
        #expect(started == [1, 2, 3, 4])
        #expect(machine.workers[0].inFlight == machine.configuration.window)
    }

    @Test func mapsCoalesceShortChunksIntoOneCall() {
        // Target 5 ms: a short chunk takes under 100 µs.
        let (fast, _) = measured(.microseconds(1))
        #expect(fast.mapChunkSize(for: "job", chunkSize: 1) == 99)  // 99 chunks of 1 µs stay under 100 µs
        #expect(fast.mapChunkSize(for: "job", chunkSize: 10) == 90)  // nine chunks of 10 µs stay under 100 µs
        #expect(fast.mapChunkSize(for: "job", chunkSize: 100) == 100)  // 100 µs is no longer short
        #expect(fast.mapChunkSize(for: "other", chunkSize: 3) == 3)  // not measured yet
        let (tiny, _) = measured(.nanoseconds(10))
        #expect(tiny.mapChunkSize(for: "job", chunkSize: 1) == Machine.coalescingLimit)
        #expect(tiny.mapChunkSize(for: "job", chunkSize: 2) == 2 * Machine.coalescingLimit)
        let (slow, _) = measured(.microseconds(60))
        #expect(slow.mapChunkSize(for: "job", chunkSize: 1) == 1)
        let (quota, _) = measured(.microseconds(1), maximumJobsPerWorker: 5)
        #expect(quota.mapChunkSize(for: "job", chunkSize: 1) == 5)
        #expect(quota.mapChunkSize(for: "job", chunkSize: 8) == 5)
    }

    @Test func largeItemsCoalesceOnlyWithinTheByteBudget() {
        // 1 µs per item is short, but each item is a MiB: four fill a call's 4 MiB budget, and a size asked beyond
        // it stays as asked.
        let (large, _) = measured(.microseconds(1), bytes: 1 << 20)
        #expect(large.mapChunkSize(for: "job", chunkSize: 1) == 4)
        #expect(large.mapChunkSize(for: "job", chunkSize: 2) == 4)
        #expect(large.mapChunkSize(for: "job", chunkSize: 8) == 8)
        #expect(large.chunkSize(for: "job") == 4)
        // Items of 1 KiB at the same speed coalesce as far as time allows.
        let (small, _) = measured(.microseconds(1), bytes: 1 << 10)
        #expect(small.mapChunkSize(for: "job", chunkSize: 1) == 99)
    }
}
