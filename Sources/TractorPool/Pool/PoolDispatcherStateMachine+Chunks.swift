//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

// How chunks end: returned, failed, cancelled, timed out; and shutting the pool down.

extension PoolDispatcherStateMachine {
    /// How the call that ran a chunk failed, as the shell classifies its error.
    enum CallFailure {
        /// The worker died during the call, or its connection failed: the chunk's fate waits for the exit status.
        case workerLost
        /// The worker cancelled the job itself, unasked: it is shutting down. The chunk's fate waits for the exit
        /// status, as for ``workerLost``, but the worker is left to exit on its own.
        case workerStopping
        /// The call ended with `CancellationError` (the worker acknowledged a cancel).
        case cancelled
        /// Any other error: the chunk fails with it.
        case error(any Error)
    }

    /// A chunk that has ended, and how.
    struct Ended {
        var chunk: Chunk
        var delivery: Delivery
    }

    /// The worker returned a chunk's reply, having spent `elapsed` on it (if it said).
    ///
    /// - Returns: The chunk and its delivery (``Delivery/completed``, unless it was cancelled or timed out in the
    ///   meantime); `nil` if the chunk had already ended.
    /// For a worker on a joined host, `roundTrip` is the call's whole time, from which the tuner learns the host's
    /// round trip.
    mutating func chunkReturned(
        _ id: ChunkID, elapsed: Duration?, replyBytes: Int = 0, roundTrip: Duration? = nil
    ) -> (Ended?, [Action]) {
        guard let entry = endRunning(id) else { return (nil, []) }
        if let elapsed {
            let bytes = Swift.max(entry.chunk.requestBytes, replyBytes)
            tuner.record(job: entry.chunk.job, items: entry.chunk.itemCount, elapsed: elapsed, bytes: bytes)
            if let roundTrip, entry.worker.index < configuration.workerHosts.count,
                let host = configuration.workerHosts[entry.worker.index]
            {
                tuner.recordRoundTrip(host: host, overhead: roundTrip - elapsed)
            }
        }
        let delivery = entry.stop.map(Self.delivery(for:)) ?? .completed
        count(delivery, items: entry.chunk.itemCount)
        return (Ended(chunk: entry.chunk, delivery: delivery), finishIfDone())
    }

    /// The call that ran a chunk failed.
    ///
    /// - Returns: The chunk and its delivery; `nil` if it had already ended, or if its worker died and the chunk
    ///   waits for ``workerExited(_:status:now:)``.
    mutating func chunkFailed(_ id: ChunkID, _ failure: CallFailure) -> (Ended?, [Action]) {
        guard let entry = running[id] else { return (nil, []) }
        switch failure {
        case .workerLost: return (nil, workerConnectionLost(entry.worker))
        case .workerStopping where entry.stop == nil: return (nil, workerConnectionLost(entry.worker, kill: false))
        case .workerStopping, .cancelled, .error: break
        }
        _ = endRunning(id)
        let delivery: Delivery
        if let stop = entry.stop {
            delivery = Self.delivery(for: stop)
        } else if case .error(let error) = failure {
            delivery = .failed(error)
        } else {
            delivery = .cancelled
        }
        count(delivery, items: entry.chunk.itemCount)
        return (Ended(chunk: entry.chunk, delivery: delivery), finishIfDone())
    }

    /// Cancels a chunk: a queued one ends at once; a running one has its call cancelled, and its worker is killed if
    /// the chunk has not ended within the grace period.
    ///
    /// - Returns: Whether the chunk will end cancelled (`false` if it had already ended), and the actions.
    mutating func cancel(_ id: ChunkID, now: Instant) -> (Bool, [Action]) {
        if let chunk = queue.removeFirst(where: { $0.id == id }) {
            count(.cancelled, items: chunk.itemCount)
            var actions: [Action] = [.deliver(chunk, .cancelled)]
            if let submitter = waitingSubmitters.first {
                waitingSubmitters.removeFirst()
                actions.append(.resumeSubmitter(submitter))
            }
            return (true, actions + finishIfDone())
        }
        guard running[id] != nil else { return (false, []) }
        guard running[id]!.stop == nil else { return (true, []) }
        return (true, stopRunning(id, .cancelled, now: now))
    }

    /// Fires the deadlines that have passed: running chunks past their timeout are cancelled, and workers whose
    /// cancelled chunk outlived its grace period are killed.
    mutating func deadlinesPassed(now: Instant) -> [Action] {
        var actions: [Action] = []
        for (id, entry) in running.sorted(by: { $0.key < $1.key }) {
            if let deadline = entry.timeoutDeadline, deadline <= now, entry.stop == nil {
                actions += stopRunning(id, .timedOut(entry.chunk.timeout ?? .zero), now: now)
            } else if let deadline = entry.graceDeadline, deadline <= now {
                running[id]?.graceDeadline = nil
                let worker = entry.worker
                if workers[worker.index].isCurrent(worker), workers[worker.index].graceExpired() {
                    statistics.workersKilled += 1
                    actions += stopWaitingSlots { $0 == worker }
                    actions.append(.signal(worker, SIGKILL))
                }
            }
        }
        return actions
    }

    /// The earliest timeout or grace deadline of a running chunk.
    var nextDeadline: Instant? {
        var earliest: Instant?
        for entry in running.values {
            for deadline in [entry.timeoutDeadline, entry.graceDeadline].compactMap({ $0 }) {
                if earliest == nil || deadline < earliest! { earliest = deadline }
            }
        }
        return earliest
    }

    /// Shuts the pool down: no more submissions; with `cancelPending`, queued chunks end cancelled. The pool
    /// finishes when the rest has run.
    mutating func shutdown(cancelPending: Bool) -> [Action] {
        if case .running = phase { phase = .draining }
        var actions: [Action] = []
        if cancelPending {
            for chunk in queue.removeAll() {
                count(.cancelled, items: chunk.itemCount)
                actions.append(.deliver(chunk, .cancelled))
            }
        }
        actions += waitingSubmitters.map { .resumeSubmitter($0) }
        waitingSubmitters.removeAll()
        return actions + finishIfDone()
    }

    /// Cancels everything: shuts down, drops the queue, and cancels every running chunk.
    mutating func cancelAll(now: Instant) -> [Action] {
        var actions = shutdown(cancelPending: true)
        for id in running.keys.sorted() where running[id]?.stop == nil {
            actions += stopRunning(id, .cancelled, now: now)
        }
        return actions
    }

    /// The pool cannot go on (a worker could not start): queued chunks fail with `error`, and so do submissions.
    mutating func breakPool(_ error: any Error) -> [Action] {
        if case .broken = phase { return [] }
        phase = .broken(error)
        var actions: [Action] = []
        for chunk in queue.removeAll() {
            count(.failed(error), items: chunk.itemCount)
            actions.append(.deliver(chunk, .failed(error)))
        }
        actions += waitingSubmitters.map { .resumeSubmitter($0) }
        waitingSubmitters.removeAll()
        return actions + finishIfDone()
    }

    // MARK: Helpers

    private mutating func stopRunning(_ id: ChunkID, _ stop: Running.Stop, now: Instant) -> [Action] {
        running[id]?.stop = stop
        running[id]?.timeoutDeadline = nil
        running[id]?.graceDeadline = now + configuration.cancellationGrace
        return [.cancelCall(id), .wakeTimer]
    }

    /// Removes a running chunk and frees its place in its worker's window.
    mutating func endRunning(_ id: ChunkID) -> Running? {
        guard let entry = running.removeValue(forKey: id) else { return nil }
        if workers[entry.worker.index].isCurrent(entry.worker) {
            workers[entry.worker.index].inFlight -= 1
            if entry.chunk.timeout != nil { workers[entry.worker.index].timedInFlight -= 1 }
        }
        return entry
    }

    static func delivery(for stop: Running.Stop) -> Delivery {
        switch stop {
        case .cancelled: .cancelled
        case .timedOut(let timeout): .timedOut(timeout)
        }
    }

    mutating func count(_ delivery: Delivery, items: Int) {
        switch delivery {
        case .completed: statistics.jobsCompleted += items
        case .cancelled: statistics.jobsCancelled += items
        case .failed, .timedOut, .crashed: statistics.jobsFailed += items
        }
    }

    // MARK: Chunk sizes

    /// How many items a `map` that asked for chunks of `chunkSize` items of `job` puts in one chunk, and so sends in
    /// one call: the pool's one coalescing decision.
    ///
    /// `chunkSize`, unless the job is measured so short that such a chunk is a *short* one (under a fiftieth of the
    /// target duration): then up to ``coalescingLimit`` consecutive chunks go as one, as many as stay short, so that
    /// tiny items travel many per call whatever size was asked. Each item keeps its own result and error, in input
    /// order; only the number of calls changes. Never more than the recycling quota.
    func mapChunkSize(for job: String, chunkSize: Int) -> Int {
        let asked = Swift.max(1, chunkSize)
        var size = asked
        if let perItem = tuner.nanosecondsPerItem(of: job) {
            let chunkTime = perItem * Double(asked)
            let short = shortChunkNanoseconds
            if chunkTime < short {
                var chunks = Swift.min(Double(Self.coalescingLimit), (short / chunkTime).nextDown.rounded(.down))
                // Never past the byte budget: only the size asked may exceed it.
                if let fitting = tuner.itemsWithinByteBudget(of: job) {
                    chunks = Swift.min(chunks, Double(fitting / asked))
                }
                size = asked * Swift.max(1, Int(chunks))
            }
        }
        return withinQuota(size)
    }

    /// Chunks expected to take less than the target duration divided by this are short ones: a worker gets its
    /// whole window of them, and a `map` coalesces them.
    static var shortChunkFraction: Double { 50 }
    /// How many of a `map`'s chunks one call carries at most.
    static var coalescingLimit: Int { 1_024 }
}
