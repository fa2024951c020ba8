//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

// The workers, as the pool sees them: each placement slot's ``WorkerLifecycle``, and what its events mean for the
// chunks it holds and for the pool.
//
// One loop per worker index runs, in the shell: `startWorker` → spawn → `workerStarted` (or `workerFailedToStart`,
// then a retry after a delay) → slots run until they all stop → `slotsEnded` → the process is cancelled or its exit
// awaited → `workerStopped` → `startWorker` again, until it answers nil.

extension PoolDispatcherStateMachine {
    /// Whether worker `index` should (re)start, and as which generation; `nil` when the pool needs no more workers
    /// (it has finished, is broken, or its workers were terminated) or a process still holds the slot.
    mutating func startWorker(_ index: Int) -> WorkerRef? {
        if case .broken = phase { return nil }
        guard !terminated, !isFinished, let generation = workers[index].start() else { return nil }
        return WorkerRef(index: index, generation: generation)
    }

    /// The worker's process is up (and initialized): its slots may ask for chunks.
    ///
    /// - Returns: `false` if the worker no longer may take chunks (its workers were terminated, or it died or lost
    ///   its connection meanwhile): the shell stops it instead.
    @discardableResult
    mutating func workerStarted(_ worker: WorkerRef, pid: Int32) -> Bool {
        guard workers[worker.index].isCurrent(worker), workers[worker.index].started(pid: pid) else { return false }
        statistics.workersStarted += 1
        consecutiveStartFailures = 0
        if workers.allSatisfy(\.takesChunks) { startedAll = true }
        return true
    }

    /// What the shell does after a failed start.
    enum StartFailure: Equatable {
        /// Start the worker again after this delay.
        case retry(after: Duration)
        /// Give up: the pool is broken (or no longer needs the worker).
        case giveUp
    }

    /// The worker could not be started (spawning failed, it died or lost its connection before it was ready, or the
    /// initializer threw); the shell has reaped its process.
    ///
    /// A failed start is retried after a delay that doubles with each failure in a row (``Configuration/restartDelay``
    /// up to ``Configuration/maximumRestartDelay``): a replacement killed before it connects back never fails the
    /// futures of other work. The pool is broken only when ``Configuration/startAttempts`` starts in a row have
    /// failed while no worker takes chunks — a pool that cannot start (a missing executable, a program that exits
    /// at once) fails fast with that error — or at once when the failure is `permanent` (the pool's initializer
    /// threw: it would throw again).
    mutating func workerFailedToStart(
        _ worker: WorkerRef,
        error: any Error,
        permanent: Bool = false
    ) -> (StartFailure, [Action]) {
        if workers[worker.index].isCurrent(worker) { workers[worker.index].startFailed() }
        statistics.workerStartFailures += 1
        consecutiveStartFailures += 1
        if case .broken = phase { return (.giveUp, []) }
        if permanent { return (.giveUp, breakPool(error)) }
        if consecutiveStartFailures >= configuration.startAttempts, !workers.contains(where: \.takesChunks) {
            return (.giveUp, breakPool(error))
        }
        let doublings = Swift.min(consecutiveStartFailures - 1, 16)
        let delay = Swift.min(configuration.restartDelay * (1 << doublings), configuration.maximumRestartDelay)
        return (.retry(after: delay), [])
    }

    /// The worker's connection failed (a read or write error): the same event as its death. It takes no more chunks,
    /// its waiting slots stop, and it is killed to make sure; its chunks learn their fate when its exit is reported.
    ///
    /// With `kill` false (the worker is shutting down on its own, see ``CallFailure/workerStopping``), it is left to
    /// exit; if it does not, it is stopped like any worker once its slots have ended.
    mutating func workerConnectionLost(_ worker: WorkerRef, kill: Bool = true) -> [Action] {
        guard workers[worker.index].isCurrent(worker), workers[worker.index].connectionLost() else { return [] }
        return stopWaitingSlots { $0 == worker } + (kill ? [.signal(worker, SIGKILL)] : [])
    }

    /// The worker's process died unasked, or after a signal of ours.
    ///
    /// Its chunks end: after a kill for a cancelled chunk, that one ends cancelled (or timed out) and the others go
    /// back to the front of the queue, since they did nothing wrong; after a crash (or a lost connection), each fails
    /// with ``WorkerCrashed``; after ``terminateWorkers(signal:now:)``, each fails saying so. Its waiting slots stop.
    mutating func workerExited(_ worker: WorkerRef, status: TerminationStatus, now: Instant) -> [Action] {
        guard workers[worker.index].isCurrent(worker), let fate = workers[worker.index].exited() else { return [] }
        return endChunks(of: worker, fate: fate, status: status, now: now)
    }

    /// Ends the chunks `worker` held, whose process ended with `status`.
    private mutating func endChunks(
        of worker: WorkerRef,
        fate: WorkerLifecycle.Fate,
        status: TerminationStatus,
        now: Instant,
        stoppedOnRequest: Bool = false
    ) -> [Action] {
        let pid = workers[worker.index].pid
        // A worker that dies before it is ready counts as a failed start (see `workerFailedToStart`), not a crash; nor
        // does one retired and stopped by the shell.
        if fate == .crashed, pid != 0, !stoppedOnRequest { statistics.workerCrashes += 1 }
        var actions = stopWaitingSlots { $0 == worker }
        var requeued: [Chunk] = []
        for id in running.filter({ $0.value.worker == worker }).keys.sorted() {
            let entry = endRunning(id)!
            let delivery: Delivery
            if let stop = entry.stop {
                delivery = Self.delivery(for: stop)
            } else {
                switch fate {
                case .requeue:
                    if case .broken(let error) = phase {
                        delivery = .failed(error)
                    } else {
                        requeued.append(entry.chunk)
                        continue
                    }
                case .crashed:
                    if entry.chunk.crashRetries < configuration.retriesAfterCrash, case .running = phase {
                        var chunk = entry.chunk
                        chunk.crashRetries += 1
                        statistics.jobsRetried += chunk.itemCount
                        requeued.append(chunk)
                        continue
                    }
                    var crash = WorkerCrashed(workerID: worker.index, pid: pid, status: status, job: entry.chunk.job)
                    crash.host = worker.index < configuration.workerHosts.count
                        ? configuration.workerHosts[worker.index] : nil
                    delivery = .crashed(crash)
                case .terminated:
                    delivery = .failed(
                        TractorError(
                            .cancelled,
                            "job '\(entry.chunk.job)' was running on pool worker \(worker.index) (pid \(pid)), which "
                                + "\(terminationSignal == SIGKILL ? "killWorkers() stopped with SIGKILL" : "terminateWorkers() stopped with SIGTERM")"
                                + ": it \(status)"
                        )
                    )
                }
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
        /// The process is alive and owes no answer: retire it (cancel it and wait until it is reaped), then call
        /// ``workerStopped(_:status:now:)``.
        case retire
        /// The process has exited or is being killed: wait until it is reaped, then call
        /// ``workerStopped(_:status:now:)``.
        case awaitExit
    }

    mutating func slotsEnded(_ worker: WorkerRef) -> WorkerEnd {
        guard workers[worker.index].isCurrent(worker) else { return .awaitExit }
        switch workers[worker.index].slotsEnded() {
        case .awaitExit:
            return .awaitExit
        case .retire:
            if let maximum = configuration.maximumJobsPerWorker, workers[worker.index].accepted >= maximum,
                !isFinished
            {
                statistics.workersRecycled += 1
            }
            return .retire
        }
    }

    /// The worker's process has been reaped, having ended with `status`; the index is free for a replacement.
    /// Chunks still on it (its exit was not reported first) end as ``workerExited(_:status:now:)`` would end them.
    mutating func workerStopped(_ worker: WorkerRef, status: TerminationStatus, now: Instant) -> [Action] {
        guard workers[worker.index].isCurrent(worker) else { return [] }
        // Retiring (its quota used, or the pool finished), it was cancelled and reaped: it did not crash.
        let retired = workers[worker.index].phase == .retiring
        guard let fate = workers[worker.index].stopped() else { return finishIfDone() }
        return endChunks(of: worker, fate: fate, status: status, now: now, stoppedOnRequest: retired)
    }

    /// Stops every worker with `signal` (``ProcessPool/terminateWorkers()``, ``ProcessPool/killWorkers()``): the pool
    /// shuts down, queued chunks end cancelled, running ones fail once their worker is gone, and no worker is started
    /// again. Calling it again (with SIGKILL after SIGTERM, say) signals the workers still alive again.
    mutating func terminateWorkers(signal: Int32, now: Instant) -> [Action] {
        if !terminated { terminationSignal = signal }
        terminated = true
        var actions = shutdown(cancelPending: true)
        for index in workers.indices {
            let worker = WorkerRef(index: index, generation: workers[index].generation)
            if workers[index].terminate() || (workers[index].phase == .terminating && workers[index].mayBeAlive) {
                actions += stopWaitingSlots { $0 == worker }
                actions.append(.signal(worker, signal))
            }
        }
        return actions + finishIfDone()
    }

    /// Whether every worker is up and taking chunks, or the pool no longer takes submissions.
    var workersAreSettled: Bool {
        workers.allSatisfy(\.takesChunks) || rejection != nil
    }
}
