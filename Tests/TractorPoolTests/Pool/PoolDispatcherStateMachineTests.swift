//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// The dispatcher's scheduling, driven by hand: no process, no task, no clock but the one passed in.
@Suite struct PoolDispatcherStateMachineTests {
    typealias Machine = PoolDispatcherStateMachine<String, SlotID>

    let t0 = ContinuousClock.now

    func machine(
        workers: Int = 2,
        queueCapacity: Int = 4,
        maximumJobsPerWorker: Int? = nil
    ) -> Machine {
        Machine(
            configuration: .init(
                workerCount: workers,
                queueCapacity: queueCapacity,
                maximumJobsPerWorker: maximumJobsPerWorker,
                cancellationGrace: .milliseconds(500),
                targetChunkDuration: .milliseconds(5),
                maximumChunkSize: 1_000
            )
        )
    }

    func chunk(
        _ id: UInt64,
        job: String = "job",
        items: Int = 1,
        timeout: Duration? = nil,
        ofAMap: Bool = false
    ) -> Machine.Chunk {
        .init(
            id: ChunkID(rawValue: id), job: job, itemCount: items, timeout: timeout, payload: "chunk \(id)",
            ofMap: ofAMap
        )
    }

    func slot(_ id: UInt64) -> SlotID { SlotID(rawValue: id) }

    /// Starts every worker and returns their references.
    func startAll(_ machine: inout Machine) -> [WorkerRef] {
        (0..<machine.workers.count).map { index in
            let worker = machine.startWorker(index)!
            machine.workerStarted(worker, pid: Int32(1_000 + index))
            return worker
        }
    }

    func payloads(delivered actions: [Machine.Action]) -> [String] {
        actions.compactMap { if case .deliver(let chunk, _) = $0 { chunk.payload } else { nil } }
    }

    // MARK: Queue and slots

    @Test func aChunkGoesToAWaitingSlotOrWaitsInTheQueue() {
        var machine = machine()
        let workers = startAll(&machine)
        guard case .wait = machine.nextChunk(for: slot(1), of: workers[0], now: t0).0 else {
            Issue.record("an idle slot should wait")
            return
        }
        guard case .run(let waiting, let started, _) = machine.enqueue(chunk(1), now: t0) else {
            Issue.record("a waiting slot should get the chunk")
            return
        }
        #expect(waiting == slot(1))
        #expect(started.id == ChunkID(rawValue: 1))
        guard case .queued = machine.enqueue(chunk(2), now: t0) else {
            Issue.record("with no slot waiting, the chunk waits in the queue")
            return
        }
        guard case (.run(let next), _) = machine.nextChunk(for: slot(2), of: workers[1], now: t0) else {
            Issue.record("a slot asking finds the queued chunk")
            return
        }
        #expect(next.payload == "chunk 2")
        #expect(machine.running.count == 2)
    }

    @Test func theQueueIsBoundedAndSubmittersResumeAsItDrains() {
        var machine = machine(queueCapacity: 2)
        let workers = startAll(&machine)
        for id in 1...2 {
            guard case .queued = machine.enqueue(chunk(UInt64(id)), now: t0) else {
                Issue.record("chunk \(id) should be queued")
                return
            }
        }
        guard case .suspend = machine.enqueue(chunk(3), now: t0) else {
            Issue.record("a full queue suspends the submitter")
            return
        }
        let submitter = SubmitterID(rawValue: 7)
        let suspended = machine.suspendSubmitter(submitter)
        #expect(suspended)
        let (decision, actions) = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        guard case .run(let first) = decision else {
            Issue.record("the slot should get the first chunk")
            return
        }
        #expect(first.payload == "chunk 1", "first in, first out")
        #expect(actions.contains { if case .resumeSubmitter(submitter) = $0 { true } else { false } })
        guard case .queued = machine.enqueue(chunk(3), now: t0) else {
            Issue.record("after the resume there is room")
            return
        }
    }

    @Test func theLeastLoadedWorkersSlotGetsTheChunk() {
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)  // worker 0 runs chunk 1
        _ = machine.nextChunk(for: slot(2), of: workers[0], now: t0)  // waits
        _ = machine.nextChunk(for: slot(3), of: workers[1], now: t0)  // waits
        guard case .run(let chosen, _, _) = machine.enqueue(chunk(2), now: t0) else {
            Issue.record("a waiting slot should get the chunk")
            return
        }
        #expect(chosen == slot(3), "worker 1 has nothing in flight")
    }

    @Test func submissionsAreRefusedAfterShutdownAndThePoolFinishesWhenDrained() {
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.enqueue(chunk(2), now: t0)
        _ = machine.nextChunk(for: slot(2), of: workers[1], now: t0)  // runs chunk 2
        _ = machine.enqueue(chunk(3), now: t0)
        let shutdown = machine.shutdown(cancelPending: true)
        #expect(payloads(delivered: shutdown) == ["chunk 3"])
        guard case .reject(.shutDown) = machine.enqueue(chunk(4), now: t0) else {
            Issue.record("a shut-down pool refuses chunks")
            return
        }
        #expect(!machine.isFinished)
        let (_, first) = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: nil)
        #expect(!first.contains { if case .finished = $0 { true } else { false } })
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)  // waits: chunk 2 still runs
        let (ended, last) = machine.chunkReturned(ChunkID(rawValue: 2), elapsed: nil)
        #expect(ended?.chunk.payload == "chunk 2")
        #expect(last.contains { if case .finished = $0 { true } else { false } })
        #expect(last.contains { if case .stopSlot(let stopped) = $0 { stopped == slot(1) } else { false } })
        #expect(machine.startWorker(0) == nil, "a finished pool starts no worker")
    }

    // MARK: Chunk sizes

    @Test func chunkSizesFollowMeasuredJobTime() {
        var machine = machine(maximumJobsPerWorker: nil)
        let workers = startAll(&machine)
        #expect(machine.chunkSize(for: "fast") == 1, "an unmeasured job gets chunks of one")
        _ = machine.enqueue(chunk(1, job: "fast", items: 10), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: .microseconds(10))  // 1 µs per item
        #expect(machine.chunkSize(for: "fast") == 1_000, "capped at the largest chunk")
        _ = machine.enqueue(chunk(2, job: "slow", items: 2), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 2), elapsed: .milliseconds(100))  // 50 ms per item
        #expect(machine.chunkSize(for: "slow") == 1)
        _ = machine.enqueue(chunk(3, job: "medium", items: 4), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 3), elapsed: .microseconds(400))  // 100 µs per item
        #expect(machine.chunkSize(for: "medium") == 50)
    }

    @Test func longChunksWaitInABusyWorkerOnlyWhileTheQueueCanSpareThem() {
        var machine = machine(queueCapacity: 8)
        let workers = startAll(&machine)
        // Measure: "slow" takes 20 ms per item, longer than the 5 ms target.
        _ = machine.enqueue(chunk(1, job: "slow"), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: .milliseconds(20))
        for id in 2...9 { _ = machine.enqueue(chunk(UInt64(id), job: "slow", ofAMap: true), now: t0) }
        func next(_ slotID: UInt64, _ worker: Int) -> UInt64? {
            guard case (.run(let chunk), _) = machine.nextChunk(for: slot(slotID), of: workers[worker], now: t0) else {
                return nil
            }
            return chunk.id.rawValue
        }
        func mayStartHead(on worker: Int) -> Bool {
            guard let head = machine.queue.first else { return false }
            return machine.mayStart(head, on: workers[worker])
        }
        #expect(machine.windowLimit(for: chunk(99, job: "slow", ofAMap: true)) == 3)
        #expect(machine.windowLimit(for: chunk(98, job: "slow")) == 2, "a future's: its own latency counts")
        #expect(next(1, 0) == 2, "an idle worker takes a long chunk")
        #expect(next(2, 0) == 3, "and a second, while the queue holds one for every worker")
        #expect(next(3, 0) == 4, "and a third, while it holds two for every worker")
        #expect(!mayStartHead(on: 0), "but no fourth")
        #expect(next(4, 1) == 5)
        #expect(next(5, 1) == 6)
        #expect(machine.queue.count == 3)
        #expect(!mayStartHead(on: 1), "three queued for two workers do not spare a third for one of them")
        // The end of the batch: extra chunks go behind running ones only while the queue can spare them; the last
        // goes to whichever worker runs out first.
        _ = machine.chunkReturned(ChunkID(rawValue: 2), elapsed: .milliseconds(20))
        _ = machine.chunkReturned(ChunkID(rawValue: 3), elapsed: .milliseconds(20))
        #expect(next(1, 0) == 7, "a second behind one running, with three queued")
        #expect(!mayStartHead(on: 0), "not a third with two queued")
        _ = machine.chunkReturned(ChunkID(rawValue: 5), elapsed: .milliseconds(20))
        _ = machine.chunkReturned(ChunkID(rawValue: 6), elapsed: .milliseconds(20))
        #expect(next(4, 1) == 8, "an idle worker takes the next")
        #expect(!mayStartHead(on: 1), "the last one waits for a worker with nothing in flight")
        #expect(!mayStartHead(on: 0))
        _ = machine.chunkReturned(ChunkID(rawValue: 8), elapsed: .milliseconds(20))
        #expect(next(4, 1) == 9)
        #expect(machine.queue.isEmpty)
        // A job not measured yet goes one at a time: it may be long.
        #expect(machine.windowLimit(for: chunk(99, job: "fast")) == 1)
        // Short chunks fill the whole window.
        machine.tuner.record(job: "fast", items: 1, elapsed: .microseconds(20))
        #expect(machine.windowLimit(for: chunk(99, job: "fast")) == 4)
    }

    @Test func aLongChunkWithATimeoutNeverSharesItsWorker() {
        var machine = machine(workers: 1, queueCapacity: 8)
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1, job: "slow"), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: .milliseconds(20))
        // A timed chunk runs alone: nothing goes behind it.
        _ = machine.enqueue(chunk(2, job: "slow", timeout: .seconds(1)), now: t0)
        _ = machine.enqueue(chunk(3, job: "slow"), now: t0)
        guard case (.run(let timed), _) = machine.nextChunk(for: slot(1), of: workers[0], now: t0) else {
            Issue.record("an idle worker takes a timed chunk")
            return
        }
        #expect(timed.id.rawValue == 2)
        #expect(!machine.mayStart(chunk(3, job: "slow"), on: workers[0]))
        _ = machine.chunkReturned(ChunkID(rawValue: 2), elapsed: .milliseconds(20))
        // Nor does a timed chunk go behind another; an untimed one may.
        guard case (.run(let untimed), _) = machine.nextChunk(for: slot(1), of: workers[0], now: t0) else {
            Issue.record("the worker takes the next chunk")
            return
        }
        #expect(untimed.id.rawValue == 3)
        _ = machine.enqueue(chunk(4, job: "slow"), now: t0)
        #expect(!machine.mayStart(chunk(5, job: "slow", timeout: .seconds(1)), on: workers[0]))
        #expect(machine.mayStart(chunk(4, job: "slow"), on: workers[0]))
    }

    @Test func aWaitingSlotTakesAChunkOnceTheQueueIsLongEnough() {
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1, job: "slow"), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: .milliseconds(2))
        for (id, worker) in [(1, 0), (2, 1)] {
            _ = machine.enqueue(chunk(UInt64(10 + id), job: "slow"), now: t0)
            guard case (.run, _) = machine.nextChunk(for: slot(UInt64(id)), of: workers[worker], now: t0) else {
                Issue.record("an idle worker takes a chunk")
                return
            }
        }
        // Both busy: their second slots wait, and one chunk queued is not enough to give either a second.
        guard case (.wait, _) = machine.nextChunk(for: slot(3), of: workers[0], now: t0) else {
            Issue.record("nothing is queued yet")
            return
        }
        guard case .queued = machine.enqueue(chunk(13, job: "slow"), now: t0) else {
            Issue.record("one chunk for two busy workers waits in the queue")
            return
        }
        guard case .run(let waiting, let chunk, _) = machine.enqueue(chunk(14, job: "slow"), now: t0) else {
            Issue.record("with one queued for every worker, the waiting slot takes the first")
            return
        }
        #expect(waiting == slot(3))
        #expect(chunk.id.rawValue == 13)
        #expect(machine.queue.count == 1)
    }

    @Test func chunkSizesStayWithinTheRecyclingQuota() {
        var machine = machine(maximumJobsPerWorker: 3)
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1, job: "fast", items: 3), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: .microseconds(3))
        #expect(machine.chunkSize(for: "fast") == 3)
    }

    // MARK: Recycling

    @Test func aWorkerRetiresAfterItsQuotaAndIsReplaced() {
        var machine = machine(workers: 1, maximumJobsPerWorker: 3)
        let worker = startAll(&machine)[0]
        machine.tuner.record(job: "job", items: 1, elapsed: .microseconds(20))
        for id in 1...4 { _ = machine.enqueue(chunk(UInt64(id)), now: t0) }
        for index in 1...3 {
            guard case (.run(let next), _) = machine.nextChunk(for: slot(UInt64(index)), of: worker, now: t0) else {
                Issue.record("slot \(index) should run a chunk")
                return
            }
            #expect(next.id == ChunkID(rawValue: UInt64(index)))
        }
        guard case (.stop, _) = machine.nextChunk(for: slot(4), of: worker, now: t0) else {
            Issue.record("the fourth job is over the quota: the slot stops")
            return
        }
        for id in 1...3 {
            _ = machine.chunkReturned(ChunkID(rawValue: UInt64(id)), elapsed: nil)
            guard case (.stop, _) = machine.nextChunk(for: slot(UInt64(id)), of: worker, now: t0) else {
                Issue.record("a retiring worker's slots stop")
                return
            }
        }
        guard case .retire = machine.slotsEnded(worker) else {
            Issue.record("a living worker that used its quota is retired")
            return
        }
        _ = machine.workerStopped(worker, status: TerminationStatus(.exited(0)), now: t0)
        let replacement = machine.startWorker(0)
        #expect(replacement == WorkerRef(index: 0, generation: 1))
        machine.workerStarted(replacement!, pid: 2_000)
        guard case (.run(let fourth), _) = machine.nextChunk(for: slot(5), of: replacement!, now: t0) else {
            Issue.record("the replacement runs the fourth job")
            return
        }
        #expect(fourth.id == ChunkID(rawValue: 4))
        #expect(machine.statistics.workersRecycled == 1)
    }

    // MARK: Crashes

    @Test func aCrashFailsOnlyTheWorkersChunksAndThePoolGoesOn() {
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1, job: "a"), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.enqueue(chunk(2, job: "b"), now: t0)
        _ = machine.nextChunk(for: slot(2), of: workers[1], now: t0)
        _ = machine.enqueue(chunk(3, job: "c"), now: t0)  // queued

        // The call fails first (the runtime's `.actorCrashed`): the chunk waits for the exit status.
        let (lost, _) = machine.chunkFailed(ChunkID(rawValue: 1), .workerLost)
        #expect(lost == nil)
        let actions = machine.workerExited(workers[0], status: TerminationStatus(.signaled(9)), now: t0)
        let crashes = actions.compactMap { action -> WorkerCrashed? in
            if case .deliver(_, .crashed(let crash)) = action { crash } else { nil }
        }
        #expect(crashes.count == 1)
        #expect(crashes.first?.job == "a")
        #expect(crashes.first?.pid == 1_000)
        #expect(crashes.first?.workerID == 0)
        #expect(crashes.first?.signal == 9)
        #expect(machine.queue.count == 1, "the queued chunk is untouched")
        #expect(machine.running.count == 1, "worker 1's chunk runs on")
        #expect(machine.statistics.workerCrashes == 1)

        guard case .awaitExit = machine.slotsEnded(workers[0]) else {
            Issue.record("a dead worker needs no retiring")
            return
        }
        _ = machine.workerStopped(workers[0], status: TerminationStatus(.signaled(9)), now: t0)
        #expect(machine.startWorker(0) == WorkerRef(index: 0, generation: 1), "the worker is replaced")
    }

    @Test func aChunkFailingAsAWholeFailsItsItems() {
        struct Refused: Error {}
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1, items: 5), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        let (ended, _) = machine.chunkFailed(ChunkID(rawValue: 1), .error(Refused()))
        guard case .failed(let error)? = ended?.delivery else {
            Issue.record("the chunk fails with the call's error")
            return
        }
        #expect(error is Refused)
        #expect(machine.statistics.jobsFailed == 5)
    }

    // MARK: Cancellation and deadlines

    @Test func cancellingAQueuedChunkEndsItAtOnce() {
        var machine = machine()
        _ = startAll(&machine)
        _ = machine.enqueue(chunk(1), now: t0)
        let (cancelled, actions) = machine.cancel(ChunkID(rawValue: 1), now: t0)
        #expect(cancelled)
        #expect(payloads(delivered: actions) == ["chunk 1"])
        #expect(machine.queue.isEmpty)
        #expect(!machine.cancel(ChunkID(rawValue: 1), now: t0).0, "an ended chunk cannot be cancelled again")
    }

    @Test func aRunningChunkIgnoringItsCancellationGetsItsWorkerKilled() {
        var machine = machine(workers: 1)
        let worker = startAll(&machine)[0]
        _ = machine.enqueue(chunk(1, job: "stubborn"), now: t0)
        _ = machine.nextChunk(for: slot(1), of: worker, now: t0)
        _ = machine.enqueue(chunk(2, job: "innocent"), now: t0)
        _ = machine.nextChunk(for: slot(2), of: worker, now: t0)

        let (cancelled, actions) = machine.cancel(ChunkID(rawValue: 1), now: t0)
        #expect(cancelled)
        #expect(actions.contains { if case .cancelCall(let id) = $0 { id.rawValue == 1 } else { false } })
        #expect(machine.nextDeadline == t0 + .milliseconds(500))
        #expect(machine.deadlinesPassed(now: t0 + .milliseconds(100)).isEmpty, "still within the grace")

        let expired = machine.deadlinesPassed(now: t0 + .milliseconds(600))
        #expect(expired.contains { if case .signal(worker, 9) = $0 { true } else { false } })
        let exit = machine.workerExited(worker, status: TerminationStatus(.signaled(9)), now: t0)
        guard case .deliver(let stubborn, .cancelled)? = exit.first(where: {
            if case .deliver = $0 { true } else { false }
        }) else {
            Issue.record("the stubborn chunk ends cancelled, not crashed")
            return
        }
        #expect(stubborn.job == "stubborn")
        #expect(machine.queue.first?.job == "innocent", "the other chunk goes back to the front of the queue")
        #expect(machine.statistics.workersKilled == 1)
        #expect(machine.statistics.workerCrashes == 0)
    }

    @Test func aChunkPastItsTimeoutIsCancelledAndEndsTimedOut() {
        var machine = machine(workers: 1)
        let worker = startAll(&machine)[0]
        _ = machine.enqueue(chunk(1, timeout: .seconds(1)), now: t0)
        let (_, started) = machine.nextChunk(for: slot(1), of: worker, now: t0)
        #expect(started.contains { if case .wakeTimer = $0 { true } else { false } })
        #expect(machine.nextDeadline == t0 + .seconds(1))
        let actions = machine.deadlinesPassed(now: t0 + .seconds(1))
        #expect(actions.contains { if case .cancelCall = $0 { true } else { false } })
        // The worker acknowledges the cancellation.
        let (ended, _) = machine.chunkFailed(ChunkID(rawValue: 1), .cancelled)
        guard case .timedOut(let timeout)? = ended?.delivery else {
            Issue.record("the chunk ends timed out")
            return
        }
        #expect(timeout == .seconds(1))
        #expect(machine.nextDeadline == nil)
    }

    @Test func aResultArrivingAfterCancellationStillEndsCancelled() {
        var machine = machine(workers: 1)
        let worker = startAll(&machine)[0]
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.nextChunk(for: slot(1), of: worker, now: t0)
        _ = machine.cancel(ChunkID(rawValue: 1), now: t0)
        let (ended, _) = machine.chunkReturned(ChunkID(rawValue: 1), elapsed: nil)
        guard case .cancelled? = ended?.delivery else {
            Issue.record("a cancelled future reports cancelled either way")
            return
        }
    }

    @Test func cancellingEverythingStopsRunningAndQueuedChunks() {
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.enqueue(chunk(1), now: t0)
        _ = machine.nextChunk(for: slot(1), of: workers[0], now: t0)
        _ = machine.enqueue(chunk(2), now: t0)
        let actions = machine.cancelAll(now: t0)
        #expect(payloads(delivered: actions) == ["chunk 2"])
        #expect(actions.contains { if case .cancelCall(let id) = $0 { id.rawValue == 1 } else { false } })
    }

    // MARK: Start-up failures

    @Test func aPoolWhoseWorkersCannotStartBreaksAfterItsAttempts() {
        struct InitializerFailed: Error {}
        var machine = machine()
        _ = machine.enqueue(chunk(1), now: t0)
        var delays: [Duration] = []
        var last: [Machine.Action] = []
        for attempt in 0..<5 {
            let worker = machine.startWorker(attempt % 2)!
            let (decision, actions) = machine.workerFailedToStart(worker, error: InitializerFailed())
            last = actions
            if case .retry(let delay) = decision { delays.append(delay) }
        }
        #expect(delays == [.milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(80)])
        guard case .deliver(_, .failed(let error))? = last.first else {
            Issue.record("queued chunks fail with the start-up error")
            return
        }
        #expect(error is InitializerFailed)
        guard case .reject(.broken(let rejection)) = machine.enqueue(chunk(2), now: t0) else {
            Issue.record("a broken pool refuses submissions")
            return
        }
        #expect(rejection is InitializerFailed)
        #expect(machine.startWorker(1) == nil)
        #expect(machine.workersAreSettled)
    }

    @Test func aReplacementThatCannotStartIsRetriedWhileTheOthersServe() {
        struct Killed: Error {}
        var machine = machine()
        let workers = startAll(&machine)
        _ = machine.workerExited(workers[0], status: TerminationStatus(.signaled(9)), now: t0)
        _ = machine.workerStopped(workers[0], status: TerminationStatus(.signaled(9)), now: t0)
        // Worker 1 serves on: however often worker 0's replacement fails, the pool is not broken.
        for attempt in 1...20 {
            let replacement = machine.startWorker(0)!
            #expect(replacement.generation == attempt)
            let (decision, actions) = machine.workerFailedToStart(replacement, error: Killed())
            #expect(actions.isEmpty)
            guard case .retry(let delay) = decision else {
                Issue.record("a replacement is retried while another worker serves")
                return
            }
            #expect(delay <= .seconds(1))
        }
        #expect(machine.rejection == nil)
        _ = machine.nextChunk(for: slot(1), of: workers[1], now: t0)
        guard case .run(_, _, _) = machine.enqueue(chunk(1), now: t0) else {
            Issue.record("worker 1 takes the work meanwhile")
            return
        }
        let replacement = machine.startWorker(0)!
        let started = machine.workerStarted(replacement, pid: 3_000)
        #expect(started)
        #expect(machine.consecutiveStartFailures == 0)
    }
}

/// The small parts of the dispatcher.
@Suite struct PoolDispatcherPartsTests {
    @Test func theChunkQueueIsFirstInFirstOutAndTakesPutBacksAtItsFront() {
        var queue = ChunkQueue<Int>()
        for value in 1...20 { queue.append(value) }
        #expect(queue.popFirst() == 1)
        queue.prepend(0)
        #expect(queue.removeFirst { $0 == 10 } == 10)
        #expect(queue.count == 19)
        var drained: [Int] = []
        while let value = queue.popFirst() { drained.append(value) }
        #expect(drained == [0] + Array(2...9) + Array(11...20))
        #expect(queue.isEmpty)
    }

    @Test func theWaiterListRefusesAWaiterCancelledBeforeItArrived() async {
        var list = WaiterList<Void>()
        let id = list.makeID()
        let early = list.cancel(id)
        #expect(early == nil)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let added = list.add(continuation, id: id)
            #expect(!added)
            continuation.resume()
        }
        #expect(list.isEmpty)
    }

    @Test func aWakeUpIsNotLostWhenItComesFirst() async {
        let wakeUp = WakeUp()
        wakeUp.signal()
        await wakeUp.wait()
        let clock = ContinuousClock()
        let start = clock.now
        await wakeUp.wait(until: clock.now + .milliseconds(20))
        #expect(clock.now - start >= .milliseconds(20))
    }
}
