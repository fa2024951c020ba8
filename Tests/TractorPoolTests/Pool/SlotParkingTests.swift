//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// Slots parked in the dispatcher's machine, and chunks cancelled by call id: the decisions the shell once kept
/// beside the machine (early decisions, early cancellations), now the machine's own.
@Suite struct SlotParkingTests {
    /// The waiter is a string naming the slot, so that the actions say whom they resume.
    typealias Machine = PoolDispatcherStateMachine<String, String>

    let t0 = ContinuousClock.now

    func machine(workers: Int = 1, cpus: [CPUSet?] = []) -> (Machine, [WorkerRef]) {
        var machine = Machine(
            configuration: .init(
                workerCount: workers,
                queueCapacity: 8,
                maximumJobsPerWorker: nil,
                cancellationGrace: .milliseconds(500),
                targetChunkDuration: .milliseconds(5),
                maximumChunkSize: 1_000,
                workerCPUs: cpus
            )
        )
        let refs = (0..<workers).map { index in
            let worker = machine.startWorker(index)!
            machine.workerStarted(worker, pid: Int32(1_000 + index))
            return worker
        }
        return (machine, refs)
    }

    func chunk(_ id: UInt64, timeout: Duration? = nil) -> Machine.Chunk {
        .init(id: ChunkID(rawValue: id), job: "job", itemCount: 1, timeout: timeout, payload: "chunk \(id)")
    }

    func slot(_ id: UInt64) -> SlotID { SlotID(rawValue: id) }

    func resumed(_ actions: [Machine.Action]) -> [String] {
        actions.compactMap { action in
            switch action {
            case .run(let waiter, let chunk): "\(waiter) runs \(chunk.payload)"
            case .stopSlot(let waiter): "\(waiter) stops"
            default: nil
            }
        }
    }

    @Test func askingWithoutAWaiterRecordsNothing() {
        var (machine, workers) = machine()
        guard case (.wait, let actions) = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: nil) else {
            Issue.record("an idle slot must wait")
            return
        }
        #expect(actions.isEmpty)
        #expect(machine.waitingSlots.isEmpty)
        // Nobody is parked, so a chunk waits in the queue rather than going to a slot that could not be woken.
        guard case .queued = machine.enqueue(chunk(1), now: t0) else {
            Issue.record("the chunk should wait in the queue")
            return
        }
    }

    @Test func aParkedWaiterIsResumedByTheActionThatDecidesIt() {
        var (machine, workers) = machine()
        guard case (.wait, _) = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: "slot 1") else {
            Issue.record("an idle slot must park")
            return
        }
        #expect(machine.waitingSlots[slot(1)]?.waiter == "slot 1")
        guard case .run(let waiter, let chunk, _) = machine.enqueue(chunk(1), now: t0) else {
            Issue.record("the parked slot should take the chunk")
            return
        }
        #expect(waiter == "slot 1")
        #expect(chunk.payload == "chunk 1")
        #expect(machine.waitingSlots.isEmpty)
    }

    /// The slot that takes a chunk submitted from CPU `cpu`, with one slot parked on each of the workers, bound as
    /// `cpus` says; `busy` workers first get a chunk in flight each.
    func taker(from cpu: Int?, cpus: [CPUSet?], busy: [Int] = []) -> String? {
        var (machine, workers) = machine(workers: cpus.count, cpus: cpus)
        for index in busy {
            _ = machine.nextChunk(for: slot(100), of: workers[index], now: t0, parking: "busy")
            _ = machine.enqueue(chunk(100 + UInt64(index)), now: t0)
        }
        for index in workers.indices {
            _ = machine.nextChunk(
                for: slot(UInt64(index)), of: workers[index], now: t0, parking: "worker \(index)"
            )
        }
        guard case .run(let waiter, _, _) = machine.enqueue(chunk(1), now: t0, callerCPU: cpu) else { return nil }
        return waiter
    }

    @Test func aChunkGoesToAFreeWorkerBoundOffTheSubmittersCPU() {
        let pinned: [CPUSet?] = [CPUSet([0]), CPUSet([1]), CPUSet([2])]
        // Whatever order the parked slots are kept in, the worker sharing the submitter's CPU is passed over.
        for cpu in 0..<3 {
            for _ in 0..<8 {
                let taker = taker(from: cpu, cpus: pinned)
                #expect(taker != nil && taker != "worker \(cpu)", "submitted from CPU \(cpu): \(taker ?? "none")")
            }
        }
        // A worker alone, or the only free one, takes the chunk even on the submitter's CPU.
        #expect(taker(from: 0, cpus: [CPUSet([0])]) == "worker 0")
        #expect(taker(from: 0, cpus: [CPUSet([0]), CPUSet([1])], busy: [1]) == "worker 0")
        // Unbound workers and an unknown CPU: any free worker.
        #expect(taker(from: 0, cpus: [nil, nil]) != nil)
        #expect(taker(from: nil, cpus: pinned) != nil)
    }

    @Test func aDecisionBetweenTheTwoAsksIsTakenWhenParking() {
        // The shell asks without a waiter, then makes one; a chunk queued meanwhile is simply the parking ask's
        // answer: no decision is ever made for a slot that has no waiter yet.
        var (machine, workers) = machine()
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: nil)
        _ = machine.enqueue(chunk(1), now: t0)
        guard case (.run(let chunk), _) = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: "slot 1")
        else {
            Issue.record("the parking ask should run the queued chunk")
            return
        }
        #expect(chunk.payload == "chunk 1")
        #expect(machine.waitingSlots.isEmpty)
    }

    @Test func aCancelledSlotHandsBackItsWaiterOnce() {
        var (machine, workers) = machine()
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: "slot 1")
        let first = machine.slotCancelled(slot(1))
        let second = machine.slotCancelled(slot(1))
        #expect(first == "slot 1")
        #expect(second == nil)
        guard case .queued = machine.enqueue(chunk(1), now: t0) else {
            Issue.record("a cancelled slot takes no chunk")
            return
        }
    }

    @Test func parkedSlotsAreStoppedWhenTheirWorkerRetiresOrThePoolFinishes() {
        var (machine, workers) = machine(workers: 2)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: "slot 1")
        _ = machine.nextChunk(for: slot(2), of: workers[1], now: t0, parking: "slot 2")
        let retired = machine.retire(workers[0])
        #expect(resumed(retired) == ["slot 1 stops"])
        let finished = machine.shutdown(cancelPending: false)
        #expect(resumed(finished) == ["slot 2 stops"])
        #expect(machine.waitingSlots.isEmpty)
    }

    @Test func cancellingARunningChunkNamesItsCall() {
        var (machine, workers) = machine()
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: nil)
        let started = machine.callStarting(ChunkID(rawValue: 1), call: 41)
        #expect(started)
        #expect(machine.running[ChunkID(rawValue: 1)]?.call == 41)
        let (cancelled, actions) = machine.cancel(ChunkID(rawValue: 1), now: t0)
        #expect(cancelled)
        #expect(actions.contains { if case .cancelCall(let id) = $0 { id.rawValue == 1 } else { false } })
        // The worker acknowledges: the chunk ends cancelled, and the slot asks for more.
        let (ended, _) = machine.chunkFailed(ChunkID(rawValue: 1), .cancelled)
        guard case .cancelled? = ended?.delivery else {
            Issue.record("the chunk ends cancelled")
            return
        }
        #expect(machine.workers[0].inFlight == 0)
    }

    @Test func aChunkStoppedBeforeItsCallStartsNeverStartsIt() {
        var (machine, workers) = machine(workers: 2)
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.enqueue(chunk(2, timeout: .seconds(1)), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0, parking: nil)
        _ = machine.nextChunk(for: slot(2), of: workers[1], now: t0, parking: nil)
        #expect(machine.running.count == 2)
        _ = machine.cancel(ChunkID(rawValue: 1), now: t0)
        _ = machine.deadlinesPassed(now: t0 + .seconds(1))
        let cancelledStarts = machine.callStarting(ChunkID(rawValue: 1), call: 1)
        let timedOutStarts = machine.callStarting(ChunkID(rawValue: 2), call: 3)
        #expect(!cancelledStarts && !timedOutStarts)
        // The slot reports each as cancelled; each ends as it was stopped.
        guard case .cancelled? = machine.chunkFailed(ChunkID(rawValue: 1), .cancelled).0?.delivery,
            case .timedOut? = machine.chunkFailed(ChunkID(rawValue: 2), .cancelled).0?.delivery
        else {
            Issue.record("the chunks end as they were stopped")
            return
        }
        let unknownStarts = machine.callStarting(ChunkID(rawValue: 3), call: 5)
        #expect(!unknownStarts, "an unknown chunk starts no call")
        #expect(machine.running.isEmpty)
    }
}
