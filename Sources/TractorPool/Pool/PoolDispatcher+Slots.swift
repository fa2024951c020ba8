//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A slot is one place in a worker's in-flight window: a task that takes a chunk, runs it as one call on the worker,
// reports how it ended, and takes the next, until the machine tells it to stop. Cancelling a running chunk cancels
// its slot's task (the call relays the cancellation to the worker); that slot then ends, and its worker's loop
// starts another.

extension PoolDispatcher {
    /// Starts slot `slot` of `worker` as a task of its own, whose handle cancels the chunk it runs; returns when the
    /// slot has ended (told to stop, its worker dead, its chunk or the calling task cancelled).
    ///
    /// - Returns: Whether the slot ended because its chunk was cancelled (its worker may need another slot).
    func runSlot(_ slot: SlotID, of worker: WorkerRef, portal: Portal) async -> Bool {
        // On the I/O thread: a slot only moves chunks between the machine and its worker's connection, and there a
        // reply resumes it without waking another thread.
        let task = Task(executorPreference: IOLoop.shared) { await self.slotLoop(slot, of: worker, portal: portal) }
        let cancelNow = state.withLock { state -> Bool in
            state.slotTasks[slot] = task
            return state.slotsCancelledEarly.remove(slot) != nil
        }
        if cancelNow { task.cancel() }
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        state.withLock { _ = $0.slotTasks.removeValue(forKey: slot) }
        return task.isCancelled && !Task.isCancelled
    }

    private func slotLoop(_ slot: SlotID, of worker: WorkerRef, portal: Portal) async {
        while !Task.isCancelled, let chunk = await nextChunk(for: slot, of: worker) {
            chunk.payload.started?()
            let result: Result<BatchResults, any Error>
            do {
                result = .success(try await portal.call(job: chunk.job, batch: chunk.payload.request))
            } catch {
                result = .failure(error)
            }
            if finish(chunk, with: result) == .workerLost { return }
        }
    }

    /// Reports how a chunk's call ended, and delivers its results unless they wait for the worker's exit status.
    private func finish(_ chunk: Chunk, with result: Result<BatchResults, any Error>) -> SlotOutcome {
        var workerLost = false
        let (ended, effects) = state.withLock { state -> (Machine.Ended?, [Effect]) in
            state.slotOfChunk[chunk.id] = nil
            let (end, actions): (Machine.Ended?, [Machine.Action])
            switch result {
            case .success(let results):
                let elapsed = Duration.nanoseconds(Int64(clamping: results.elapsedNanoseconds))
                (end, actions) = state.machine.chunkReturned(chunk.id, elapsed: elapsed)
            case .failure(let error):
                let failure = Self.classify(error)
                if case .workerLost = failure { workerLost = true }
                (end, actions) = state.machine.chunkFailed(chunk.id, failure)
            }
            if end != nil { state.pendingResolutions += 1 }
            return (end, state.effects(of: actions))
        }
        // The chunk's futures are resolved before anyone waiting for the pool to finish is woken.
        if let ended {
            deliver(ended.chunk, ended.delivery, reply: try? result.get())
            resolved(1)
        }
        perform(effects)
        return workerLost ? .workerLost : .goOn
    }

    private func nextChunk(for slot: SlotID, of worker: WorkerRef) async -> Chunk? {
        let decision = transition { state in
            let (decision, actions) = state.machine.nextChunk(for: slot, of: worker, now: .now)
            if case .run(let chunk) = decision { state.slotOfChunk[chunk.id] = slot }
            return (decision, actions)
        }
        switch decision {
        case .run(let chunk): return chunk
        case .stop: return nil
        case .wait: break
        }
        let resumed = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Machine.SlotDecision, Never>) in
                let early = state.withLock { state -> Machine.SlotDecision? in
                    if let decision = state.earlySlotDecisions.removeValue(forKey: slot) { return decision }
                    state.slotWaiters[slot] = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            // Not here: a slot given a chunk is still in this scope until it wakes, and cancelling that chunk
            // cancels this task from inside a transition, whose lock is held.
            Task { [self] in
                transition { state in
                    if state.machine.slotCancelled(slot) { return ((), [.stopSlot(slot)]) }
                    return ((), [])
                }
            }
        }
        if case .run(let chunk) = resumed { return chunk }
        return nil
    }

    private enum SlotOutcome { case goOn, workerLost }

    /// What a call's error says about its chunk.
    static func classify(_ error: any Error) -> Machine.CallFailure {
        switch error {
        case is CancellationError:
            return .cancelled
        case let error as ContextCancelled where error.canceller != ActorRuntime.shared.identity:
            // The worker cancelled the job itself: it is shutting down (a SIGTERM from outside, say). Its exit says
            // how the job ended.
            return .workerStopping
        case let error as TractorError
        where error.code == .actorCrashed || error.code == .channelClosed || error.code == .systemCallFailed:
            // The worker died, or its connection failed (a write or read error): the same event, whose outcome its
            // exit status tells. A transport error never reaches a future or a map.
            return .workerLost
        case let error as TractorError where error.code == .cancelled:
            // The worker was stopped by its nursery (the pool is closing): the call did not finish.
            return .cancelled
        default:
            return .error(error)
        }
    }
}
