//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// Short `map` chunks travel to a worker several per call; everything else one per call.
@Suite struct ChunkGroupingTests {
    typealias Machine = PoolDispatcherStateMachine<String>

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

    func chunk(_ id: UInt64, job: String = "job", timeout: Duration? = nil, groupable: Bool = true) -> Machine.Chunk {
        .init(
            id: ChunkID(rawValue: id), job: job, itemCount: 1, timeout: timeout, payload: "chunk \(id)",
            groupable: groupable
        )
    }

    /// A machine with one ready worker that has measured `job` at `perItem`.
    func measured(_ perItem: Duration, maximumJobsPerWorker: Int? = nil) -> (Machine, WorkerRef) {
        var machine = machine(maximumJobsPerWorker: maximumJobsPerWorker)
        let worker = machine.startWorker(0)!
        machine.workerStarted(worker, pid: 1_000)
        _ = machine.enqueue(chunk(1_000_000), now: t0)
        guard case (.run(let first), _) = machine.nextChunk(for: SlotID(rawValue: 0), of: worker, now: t0) else {
            Issue.record("the measuring chunk should run")
            return (machine, worker)
        }
        _ = machine.chunkReturned(first.id, elapsed: perItem)
        return (machine, worker)
    }

    /// Runs the next call's chunks; with `complete`, they return at once (leaving the window empty again).
    func run(_ machine: inout Machine, _ worker: WorkerRef, complete: Bool = true) -> [UInt64] {
        guard case (.run(let first), _) = machine.nextChunk(for: SlotID(rawValue: 1), of: worker, now: t0) else {
            Issue.record("a queued chunk should run")
            return []
        }
        let (group, _) = machine.takeGroup(after: first, on: worker, now: t0)
        if complete {
            for member in [first] + group { _ = machine.chunkReturned(member.id, elapsed: .microseconds(1)) }
        }
        return ([first] + group).map(\.id.rawValue)
    }

    @Test func tinyChunksTravelInGroupsAndWidenTheWindow() {
        var (machine, worker) = measured(.microseconds(1))
        let size = UInt64(Machine.groupSize)
        for id in 1...(3 * size) { _ = machine.enqueue(chunk(id), now: t0) }
        #expect(run(&machine, worker, complete: false) == Array(1...size))
        #expect(run(&machine, worker, complete: false) == Array((size + 1)...(2 * size)))
        #expect(machine.workers[0].inFlight == 2 * Machine.groupSize)
        #expect(machine.running.count == 2 * Machine.groupSize)
        // Each still ends on its own.
        _ = machine.chunkReturned(ChunkID(rawValue: 5), elapsed: .microseconds(1))
        #expect(machine.running.count == 2 * Machine.groupSize - 1)
        #expect(machine.workers[0].inFlight == 2 * Machine.groupSize - 1)
    }

    @Test func unmeasuredOrLongChunksTravelAlone() {
        var fresh = machine()
        let worker = fresh.startWorker(0)!
        fresh.workerStarted(worker, pid: 1_000)
        for id in 1...8 { _ = fresh.enqueue(chunk(UInt64(id)), now: t0) }
        #expect(run(&fresh, worker) == [1])

        var (slow, slowWorker) = measured(.microseconds(200))
        for id in 1...8 { _ = slow.enqueue(chunk(UInt64(id)), now: t0) }
        #expect(run(&slow, slowWorker) == [1])
    }

    @Test func groupsStopAtAnotherJobATimeoutOrAFuture() {
        var (machine, worker) = measured(.microseconds(1))
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.enqueue(chunk(2), now: t0)
        _ = machine.enqueue(chunk(3, job: "other"), now: t0)
        _ = machine.enqueue(chunk(4), now: t0)
        _ = machine.enqueue(chunk(5, timeout: .seconds(1)), now: t0)
        _ = machine.enqueue(chunk(6), now: t0)
        _ = machine.enqueue(chunk(7, groupable: false), now: t0)
        _ = machine.enqueue(chunk(8, groupable: false), now: t0)
        #expect(run(&machine, worker) == [1, 2])
        #expect(run(&machine, worker) == [3])
        #expect(run(&machine, worker) == [4])
        #expect(run(&machine, worker) == [5])
        #expect(run(&machine, worker) == [6])
        #expect(run(&machine, worker) == [7])
        #expect(run(&machine, worker) == [8])
    }

    @Test func groupsKeepWithinTheRecyclingQuota() {
        var (machine, worker) = measured(.microseconds(1), maximumJobsPerWorker: 6)
        for id in 1...10 { _ = machine.enqueue(chunk(UInt64(id)), now: t0) }
        // One job of the quota went to the measuring chunk: five are left.
        #expect(run(&machine, worker, complete: false) == [1, 2, 3, 4, 5])
        #expect(machine.workers[0].accepted == 6)
    }

    @Test func mapsCoalesceShortChunksIntoOneRequest() {
        // Target 5 ms: a short chunk takes under 100 µs.
        let (fast, _) = measured(.microseconds(1))
        #expect(fast.mapChunkSize(for: "job", chunkSize: 1) == Machine.coalescingLimit)
        #expect(fast.mapChunkSize(for: "job", chunkSize: 10) == 90)  // nine chunks of 10 µs stay under 100 µs
        #expect(fast.mapChunkSize(for: "job", chunkSize: 100) == 100)  // 100 µs is no longer short
        #expect(fast.mapChunkSize(for: "other", chunkSize: 3) == 3)  // not measured yet
        let (slow, _) = measured(.microseconds(60))
        #expect(slow.mapChunkSize(for: "job", chunkSize: 1) == 1)
        let (quota, _) = measured(.microseconds(1), maximumJobsPerWorker: 5)
        #expect(quota.mapChunkSize(for: "job", chunkSize: 1) == 5)
        #expect(quota.mapChunkSize(for: "job", chunkSize: 8) == 5)
    }
}
