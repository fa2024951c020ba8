//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

// A slot is one place in a worker's in-flight window: a task that takes a chunk, sends it to the worker as one batch
// call, reports how it ended, and takes the next, until the machine tells it to stop. Cancelling a running chunk
// cancels its call by call id (the worker acknowledges, and the slot goes on with the next chunk).

extension PoolDispatcher {
    /// Runs slot `slot` of `worker` until it is told to stop, its worker is lost, or the task is cancelled.
    func runSlot(_ slot: SlotID, of worker: WorkerRef, portal: Portal) async {
        let remote = plan.workers[worker.index].host != nil
        // The actor's answer ends the chunk on the I/O thread that reads it, before this task resumes: the task
        // waiting for its future is woken without waiting for this one to run first. One hook for the slot's life,
        // so that a chunk allocates nothing for it.
        let answered = AnsweredChunk()
        let onAnswer: @Sendable (Result<BatchResults, any Error>) -> Void = { answer in
            guard let (chunk, sent) = answered.call else { return }
            answered.end(self.finish(chunk, with: answer, sent: sent, remote: remote))
        }
        while !Task.isCancelled, let chunk = await nextChunk(for: slot, of: worker) {
            chunk.payload.receiver.chunkStarted()
            let call = portal.reserveCallID()
            let outcome: SlotOutcome
            if state.withLock({ $0.machine.callStarting(chunk.id, call: call) }) {
                let trace = ChunkTrace.begin(chunk.id, job: chunk.job, items: chunk.itemCount, on: worker, logger)
                // Clock reads only where someone uses them: the metrics, or the tuner for a worker on another host.
                let sent = metrics == nil && !remote ? nil : ContinuousClock.now
                answered.begin(chunk, sent: sent)
                let result: Result<BatchResults, any Error>
                do {
                    let results = try await portal.call(
                        job: chunk.job, batch: chunk.payload.request, callID: call, onAnswer: onAnswer
                    )
                    result = .success(results)
                } catch {
                    result = .failure(error)
                }
                RoundTripTrace.mark(.slotResumed)
                trace?.end(result)
                // Ended by its answer already, or otherwise (its worker died, say): ended here.
                outcome = answered.take() ?? finish(chunk, with: result, sent: sent, remote: remote)
            } else {
                // Cancelled (or timed out) before its call started: it never starts.
                portal.releaseCallID(call)
                outcome = finish(chunk, with: .failure(CancellationError()), sent: nil, remote: remote)
            }
            if outcome == .workerLost { return }
        }
    }

    /// Reports how a chunk's call ended, and delivers its results unless they wait for the worker's exit status;
    /// `sent` is when its request went, for the metrics and, for a worker on another host (`remote`), the tuner.
    private func finish(
        _ chunk: Chunk, with result: Result<BatchResults, any Error>, sent: ContinuousClock.Instant?, remote: Bool
    ) -> SlotOutcome {
        var roundTrip: Duration?
        if let sent, case .success = result {
            roundTrip = .now - sent
            metrics?.returned(chunk.job, after: roundTrip!)
        }
        return finish(chunk, with: result, roundTrip: remote ? roundTrip : nil)
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

    fileprivate enum SlotOutcome { case goOn, workerLost }

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

/// A slot's call in flight and, once its answer has ended it on the thread that read it, how: set there, before the
/// slot's task resumes, and taken by that task after.
private final class AnsweredChunk: Sendable {
    private struct State {
        var call: (chunk: PoolDispatcher.Chunk, sent: ContinuousClock.Instant?)?
        var outcome: PoolDispatcher.SlotOutcome?
    }

    private let state = Mutex(State())

    /// The slot is about to call for `chunk`.
    func begin(_ chunk: PoolDispatcher.Chunk, sent: ContinuousClock.Instant?) {
        state.withLock { $0 = State(call: (chunk, sent), outcome: nil) }
    }

    /// The call in flight, if its answer has not ended it yet.
    var call: (chunk: PoolDispatcher.Chunk, sent: ContinuousClock.Instant?)? {
        state.withLock { $0.call }
    }

    /// The answer ended the call so.
    func end(_ outcome: PoolDispatcher.SlotOutcome) {
        state.withLock { state in
            state.call = nil
            state.outcome = outcome
        }
    }

    /// How the answer ended the call, if it did; clears it.
    func take() -> PoolDispatcher.SlotOutcome? {
        state.withLock { state in
            defer { state = State() }
            return state.outcome
        }
    }
}
