//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

// A slot is one place in a worker's in-flight window: a task that takes a chunk, sends it to the worker as one batch
// call, reports how it ended, and takes the next, until the machine tells it to stop. Cancelling a running chunk
// cancels its call by call id (the worker acknowledges, and the slot goes on with the next chunk).

extension PoolDispatcher {
    /// Runs slot `slot` of `worker` until it is told to stop, its worker is lost, or the task is cancelled.
    func runSlot(_ slot: SlotID, of worker: WorkerRef, portal: Portal) async {
        while !Task.isCancelled, let chunk = await nextChunk(for: slot, of: worker) {
            chunk.payload.receiver.chunkStarted()
            let call = portal.reserveCallID()
            let result: Result<BatchResults, any Error>
            var roundTrip: Duration?
            if state.withLock({ $0.machine.callStarting(chunk.id, call: call) }) {
                let trace = ChunkTrace.begin(chunk.id, job: chunk.job, items: chunk.itemCount, on: worker, logger)
                // Clock reads only where someone uses them: the metrics, or the tuner for a worker on another host.
                let sent = metrics == nil && plan.workers[worker.index].host == nil ? nil : ContinuousClock.now
                do {
                    result = .success(try await portal.call(job: chunk.job, batch: chunk.payload.request, callID: call))
                    if let sent {
                        roundTrip = .now - sent
                        metrics?.returned(chunk.job, after: roundTrip!)
                    }
                } catch {
                    result = .failure(error)
                }
                RoundTripTrace.mark(.slotResumed)
                trace?.end(result)
            } else {
                // Cancelled (or timed out) before its call started: it never starts.
                portal.releaseCallID(call)
                result = .failure(CancellationError())
            }
            let remoteRoundTrip = plan.workers[worker.index].host == nil ? nil : roundTrip
            if finish(chunk, with: result, roundTrip: remoteRoundTrip) == .workerLost { return }
        }
    }

    /// Reports how a chunk's call ended, and delivers its results unless they wait for the worker's exit status.
    private func finish(
        _ chunk: Chunk, with result: Result<BatchResults, any Error>, roundTrip: Duration? = nil
    ) -> SlotOutcome {
        var workerLost = false
        let (ended, effects) = state.withLock { state -> (Machine.Ended?, [Effect]) in
            let (end, actions): (Machine.Ended?, [Machine.Action])
            switch result {
            case .success(let results):
                let elapsed = Duration.nanoseconds(Int64(clamping: results.elapsedNanoseconds))
                let replyBytes = results.outputs.count
                (end, actions) = state.machine.chunkReturned(
                    chunk.id, elapsed: elapsed, replyBytes: replyBytes, roundTrip: roundTrip
                )
            case .failure(let error):
                let failure = Self.classify(error)
                if case .workerLost = failure { workerLost = true }
                (end, actions) = state.machine.chunkFailed(chunk.id, failure)
            }
            if end != nil { state.pendingResolutions += 1 }
            state.reportLevels(to: metrics)
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

    /// The slot's next chunk, waiting for one if need be; `nil` when the slot should end.
    private func nextChunk(for slot: SlotID, of worker: WorkerRef) async -> Chunk? {
        // Most slots find a chunk at once: no continuation is made for them.
        let decision = transition { state in state.machine.nextChunk(for: slot, of: worker, now: .now, parking: nil) }
        switch decision {
        case .run(let chunk): return chunk
        case .stop: return nil
        case .wait: break
        }
        let resumed = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Machine.SlotDecision, Never>) in
                // Decided and parked in one transition: no decision for the slot can come before its waiter.
                let decision = transition { state -> (Machine.SlotDecision, [Machine.Action]) in
                    if Task.isCancelled { return (.stop, []) }
                    let waiter = SlotWaiter(continuation: continuation)
                    return state.machine.nextChunk(for: slot, of: worker, now: .now, parking: waiter)
                }
                if case .wait = decision { return }
                continuation.resume(returning: decision)
            }
        } onCancel: {
            // No lock of this shell is held where a slot's task is cancelled (chunks are cancelled by call id).
            state.withLock { $0.machine.slotCancelled(slot) }?.continuation.resume(returning: .stop)
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

/// The `trace` log lines of one chunk a slot runs: sent to its worker, and back with how long the call took and how
/// long the worker spent on it. Made only at `trace` level.
private struct ChunkTrace {
    let logger: Logger
    let text: String
    let started: ContinuousClock.Instant

    static func begin(_ id: ChunkID, job: String, items: Int, on worker: WorkerRef, _ logger: Logger) -> ChunkTrace? {
        guard logger.logLevel <= .trace else { return nil }
        let text = "\(id) of job '\(job)' (\(items) items) on \(worker)"
        logger.trace("\(text): sent")
        return ChunkTrace(logger: logger, text: text, started: .now)
    }

    func end(_ result: Result<BatchResults, any Error>) {
        let elapsed = ContinuousClock.now - started
        switch result {
        case .success(let results):
            let worked = Duration.nanoseconds(Int64(clamping: results.elapsedNanoseconds))
            logger.trace("\(text): back after \(elapsed), \(worked) of it in the job")
        case .failure(let error):
            logger.trace("\(text): failed after \(elapsed): \(error)")
        }
    }
}
