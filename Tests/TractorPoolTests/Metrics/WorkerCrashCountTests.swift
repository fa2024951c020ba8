//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// What the crash count (the statistics' and the `tractor_pool_worker_crashes_total` counter's) counts: workers that
/// died unasked, not workers the pool retired and stopped itself.
@Suite struct WorkerCrashCountTests {
    typealias Machine = PoolDispatcherStateMachine<String, SlotID>

    let t0 = ContinuousClock.now

    func machine(workers: Int, maximumJobsPerWorker: Int? = nil) -> Machine {
        Machine(
            configuration: .init(
                workerCount: workers,
                queueCapacity: 4,
                maximumJobsPerWorker: maximumJobsPerWorker,
                cancellationGrace: .milliseconds(500),
                targetChunkDuration: .milliseconds(5),
                maximumChunkSize: 1_000
            )
        )
    }

    func startAll(_ machine: inout Machine) -> [WorkerRef] {
        (0..<machine.workers.count).map { index in
            let worker = machine.startWorker(index)!
            machine.workerStarted(worker, pid: Int32(1_000 + index))
            return worker
        }
    }

    @Test func workersStoppedWhenThePoolFinishesAreNotCrashes() {
        var machine = machine(workers: 2)
        let workers = startAll(&machine)
        _ = machine.shutdown(cancelPending: false)
        for worker in workers {
            #expect(machine.slotsEnded(worker) == .retire)
            _ = machine.workerStopped(worker, status: TerminationStatus(.exited(0)), now: t0)
        }
        #expect(machine.statistics.workerCrashes == 0)
    }

    @Test func aRecycledWorkerIsNotACrash() {
        var machine = machine(workers: 1, maximumJobsPerWorker: 1)
        let worker = startAll(&machine)[0]
        _ = machine.enqueue(.init(id: ChunkID(rawValue: 1), job: "job", itemCount: 1, payload: "one"), now: t0)
        _ = machine.nextChunk(for: SlotID(rawValue: 1), of: worker, now: t0, parking: SlotID(rawValue: 1))
        _ = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: .milliseconds(1))
        _ = machine.nextChunk(for: SlotID(rawValue: 1), of: worker, now: t0, parking: SlotID(rawValue: 1))
        #expect(machine.slotsEnded(worker) == .retire)
        _ = machine.workerStopped(worker, status: TerminationStatus(.exited(0)), now: t0)
        #expect(machine.statistics.workersRecycled == 1)
        #expect(machine.statistics.workerCrashes == 0)
    }

    @Test func aWorkerThatDiesUnaskedIsACrash() {
        var machine = machine(workers: 1)
        let worker = startAll(&machine)[0]
        _ = machine.workerExited(worker, status: TerminationStatus(.signaled(9)), now: t0)
        #expect(machine.slotsEnded(worker) == .awaitExit)
        _ = machine.workerStopped(worker, status: TerminationStatus(.signaled(9)), now: t0)
        #expect(machine.statistics.workerCrashes == 1)
    }
}
