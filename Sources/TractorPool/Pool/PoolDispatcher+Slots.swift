//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A slot is one place in a worker's in-flight window: a task that takes a chunk, runs it as one call on the worker,
// reports how it ended, and takes the next, until the machine tells it to stop.

extension PoolDispatcher {
    /// Runs slot `slot` of `worker` until it is told to stop, the worker dies, or the task is cancelled.
    func runSlot(_ slot: SlotID, of worker: WorkerRef, portal: Portal) async {
        while !Task.isCancelled, let chunk = await nextChunk(for: slot, of: worker) {
            chunk.payload.started?()
            let result = await call(chunk, on: portal)
            if finish(chunk, with: result) == .workerLost { return }
        }
    }

    private func nextChunk(for slot: SlotID, of worker: WorkerRef) async -> Chunk? {
        let decision = transition { state in state.machine.nextChunk(for: slot, of: worker, now: .now) }
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
            transition { state in
                if state.machine.slotCancelled(slot) { return ((), [.stopSlot(slot)]) }
                return ((), [])
            }
        }
        if case .run(let chunk) = resumed { return chunk }
        return nil
    }

    /// Runs `chunk` as one `tractor.chunk` call, in a task of its own so that the chunk alone can be cancelled.
    private func call(_ chunk: Chunk, on portal: Portal) async -> Result<[UInt8], any Error> {
        let request = chunk.payload.request
        let task = Task { try await portal.call(job: ChunkJob.name, payload: request) }
        let cancelNow = state.withLock { state -> Bool in
            state.calls[chunk.id] = task
            return state.pendingCancels.remove(chunk.id) != nil
        }
        if cancelNow { task.cancel() }
        return await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
    }

    private enum SlotOutcome { case goOn, workerLost }

    /// Reports how a chunk's call ended and delivers its results, unless they wait for the worker's exit status.
    private func finish(_ chunk: Chunk, with result: Result<[UInt8], any Error>) -> SlotOutcome {
        switch result {
        case .success(let reply):
            let elapsed = ChunkJob.elapsed(ofReply: reply)
            let ended = transition { state in
                state.calls[chunk.id] = nil
                state.pendingCancels.remove(chunk.id)
                return state.machine.chunkReturned(chunk.id, elapsed: elapsed)
            }
            if let ended { deliver(ended.chunk, ended.delivery, reply: reply) }
            return .goOn
        case .failure(let error):
            let failure = Self.classify(error)
            let ended = transition { state in
                state.calls[chunk.id] = nil
                state.pendingCancels.remove(chunk.id)
                return state.machine.chunkFailed(chunk.id, failure)
            }
            if let ended { deliver(ended.chunk, ended.delivery, reply: nil) }
            if case .workerLost = failure { return .workerLost }
            return .goOn
        }
    }

    /// What a call's error says about its chunk.
    static func classify(_ error: any Error) -> Machine.CallFailure {
        switch error {
        case is CancellationError:
            return .cancelled
        case let error as TractorError where error.code == .actorCrashed:
            return .workerLost
        case let error as TractorError where error.code == .cancelled:
            // The worker was stopped by its nursery (the pool is closing): the call did not finish.
            return .cancelled
        default:
            return .error(error)
        }
    }
}
