//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The life of a worker: start, ready, retire or die, be replaced.
//
// One loop per worker index runs, in the shell: `startWorker` → spawn → `workerStarted` → slots run until they all
// stop → `slotsEnded` → (retire: cancel the process) → `workerStopped` → `startWorker` again, until it answers nil.

extension PoolDispatcherStateMachine {
    /// Whether worker `index` should (re)start, and as which generation; `nil` when the pool needs no more workers
    /// (it has finished, or is broken).
    mutating func startWorker(_ index: Int) -> WorkerRef? {
        if case .broken = phase { return nil }
        guard !isFinished, workers[index].phase == .idle else { return nil }
        workers[index].generation += 1
        workers[index].phase = .starting
        workers[index].inFlight = 0
        workers[index].timedInFlight = 0
        workers[index].accepted = 0
        return WorkerRef(index: index, generation: workers[index].generation)
    }

    /// The worker's process is up (and initialized): its slots may ask for chunks.
    mutating func workerStarted(_ worker: WorkerRef, pid: Int32) {
        guard workers[worker.index].generation == worker.generation, workers[worker.index].phase == .starting else {
            return
        }
        workers[worker.index].phase = .ready
        workers[worker.index].pid = pid
        statistics.workersStarted += 1
    }

    /// The worker could not be started (spawning failed, or the initializer threw): the pool is broken.
    mutating func workerFailedToStart(_ worker: WorkerRef, error: any Error) -> [Action] {
        if workers[worker.index].generation == worker.generation, workers[worker.index].phase == .starting {
            workers[worker.index].phase = .retiring
        }
        return breakPool(error)
    }

    /// The worker's process died unasked, or after ``Action/kill(_:)``.
    ///
    /// Its chunks end: after a kill, the cancelled one ends cancelled (or timed out) and the others go back to the
    /// front of the queue, since they did nothing wrong; after a crash, each fails with ``WorkerCrashed``. Its
    /// waiting slots stop.
    mutating func workerExited(_ worker: WorkerRef, status: TerminationStatus, now: Instant) -> [Action] {
        guard workers[worker.index].generation == worker.generation else { return [] }
        let killed = workers[worker.index].phase == .killing
        let pid = workers[worker.index].pid
        if !killed { statistics.workerCrashes += 1 }
        workers[worker.index].phase = .exited
        var actions = stopWaitingSlots { $0 == worker }
        let lost = running.filter { $0.value.worker == worker }.keys.sorted()
        var requeued: [Chunk] = []
        for id in lost {
            let entry = endRunning(id)!
            let delivery: Delivery
            if let stop = entry.stop {
                delivery = Self.delivery(for: stop)
            } else if killed {
                if case .broken(let error) = phase {
                    delivery = .failed(error)
                } else {
                    requeued.append(entry.chunk)
                    continue
                }
            } else {
                let crash = WorkerCrashed(workerID: worker.index, pid: pid, status: status, job: entry.chunk.job)
                delivery = .crashed(crash)
            }
            count(delivery, items: entry.chunk.itemCount)
            actions.append(.deliver(entry.chunk, delivery))
        }
        for chunk in requeued.reversed() { queue.prepend(chunk) }
        actions += dispatchQueued(now: now)
        return actions + finishIfDone()
    }

    /// What to do once every slot of a worker has ended.
    enum WorkerEnd {
        /// The process is alive: retire it (cancel it and wait until it is reaped), then call ``workerStopped(_:)``.
        case retire
        /// The process has exited already: call ``workerStopped(_:)``.
        case gone
    }

    mutating func slotsEnded(_ worker: WorkerRef) -> WorkerEnd {
        guard workers[worker.index].generation == worker.generation else { return .gone }
        switch workers[worker.index].phase {
        case .exited, .idle:
            return .gone
        case .ready, .retiring, .starting, .killing:
            if let maximum = configuration.maximumJobsPerWorker, workers[worker.index].accepted >= maximum,
                !isFinished
            {
                statistics.workersRecycled += 1
            }
            if workers[worker.index].phase != .killing { workers[worker.index].phase = .retiring }
            return .retire
        }
    }

    /// The worker's process has been reaped; the index is free for a replacement.
    mutating func workerStopped(_ worker: WorkerRef, now: Instant) -> [Action] {
        guard workers[worker.index].generation == worker.generation else { return [] }
        workers[worker.index].phase = .idle
        // Chunks still on the worker (it died without telling, which `workerExited` normally reports first) fail.
        var actions: [Action] = []
        for id in running.filter({ $0.value.worker == worker }).keys.sorted() {
            let entry = endRunning(id)!
            let delivery = entry.stop.map(Self.delivery(for:))
                ?? .failed(TractorError(.actorCrashed, "\(worker) ended while running job '\(entry.chunk.job)'"))
            count(delivery, items: entry.chunk.itemCount)
            actions.append(.deliver(entry.chunk, delivery))
        }
        return actions + finishIfDone()
    }

    /// Whether every worker is up and taking chunks, or the pool no longer takes submissions.
    var workersAreSettled: Bool {
        workers.allSatisfy { $0.phase == .ready } || rejection != nil
    }
}
