//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

// A slot is one place in a worker's in-flight window. Its chunks move without its task: whoever hands the slot a
// chunk (a `submit` that finds it parked, the thread that ends another chunk) sends the chunk's request on the spot,
// and the answer, read on the I/O thread, ends the chunk there and hands the slot its next chunk, or parks it. The
// slot's task only holds its place in the worker's lifetime, until the machine stops the slot, its worker is lost,
// or the task is cancelled. Cancelling a running chunk cancels its call by call id (the worker acknowledges, and the
// slot goes on with the next chunk).

extension PoolDispatcher {
    /// Runs slot `slot` of `worker` until it is told to stop, its worker is lost, or the task is cancelled.
    func runSlot(_ slot: SlotID, of worker: WorkerRef, portal: Portal) async {
        let link = SlotLink(slot, of: worker, portal: portal, remote: plan.workers[worker.index].host != nil, in: self)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                link.start(ending: continuation)
            }
        } onCancel: {
            link.cancel()
        }
    }

    /// Reports how a chunk's call ended, and delivers its results unless they wait for the worker's exit status;
    /// `sent` is when its request went, for the metrics and, for a worker on another host (`remote`), the tuner.
    fileprivate func finish(
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

/// A slot's link between the dispatcher's machine and its worker's connection: it starts the calls of the chunks the
/// slot is handed, hears their answers, and hands the slot its next chunk or parks it in the machine.
///
/// Every call it starts ends through ``answered(_:)``, once, on whichever thread learns how it ended; the link has at
/// most one call in flight, and it ends (its task's continuation resumed) only with none in flight.
final class SlotLink: Sendable {
    private struct InFlight {
        let chunk: PoolDispatcher.Chunk
        let call: UInt64
        let sent: ContinuousClock.Instant?
        let trace: ChunkTrace?
    }

    private struct State {
        var inFlight: InFlight?
        /// The slot's task, until the link ends.
        var ending: CheckedContinuation<Void, Never>?
        var ended = false
        /// The hook every call of the link's is given: made once, in the initializer, so that a call allocates
        /// nothing for it. It holds the link weakly: the connection holding it keeps nothing alive.
        var onAnswer: @Sendable (Result<BatchResults, any Error>) -> Void = { _ in }
    }

    let slot: SlotID
    let worker: WorkerRef
    private let portal: Portal
    /// Whether the worker runs on another host (the tuner then learns round trips).
    private let remote: Bool
    /// Held while the slot lives: the machine holds the link only while the slot is parked.
    private let dispatcher: PoolDispatcher
    private let state = Mutex(State())
    /// The slot's task was cancelled: the link takes no further chunk. Set before the machine is asked to unpark the
    /// slot, read in the transition that would park it, so that one of the two sees the other.
    private let cancelled = Atomic(false)

    init(_ slot: SlotID, of worker: WorkerRef, portal: Portal, remote: Bool, in dispatcher: PoolDispatcher) {
        self.slot = slot
        self.worker = worker
        self.portal = portal
        self.remote = remote
        self.dispatcher = dispatcher
        state.withLock { $0.onAnswer = { [weak self] result in self?.answered(result) } }
    }

    /// Begins the slot's work; `ending` is resumed when the slot ends.
    func start(ending: CheckedContinuation<Void, Never>) {
        let ended = state.withLock { state -> Bool in
            if !state.ended { state.ending = ending }
            return state.ended
        }
        if ended { return ending.resume() }
        next()
    }

    /// The machine handed the parked slot `decision`.
    func resume(with decision: PoolDispatcher.Machine.SlotDecision) {
        switch decision {
        case .run(let chunk): run(chunk)
        case .stop: end()
        case .wait: break
        }
    }

    /// Sends `chunk`'s request, the machine having handed the slot the chunk; takes the next one at once if the chunk
    /// was cancelled before its call started.
    func run(_ chunk: PoolDispatcher.Chunk) {
        if !call(chunk) { next() }
    }

    /// Takes the slot's next chunk from the machine and sends it, until one is sent, or parks the slot, or ends it.
    private func next() {
        while true {
            typealias Machine = PoolDispatcher.Machine
            let decision = dispatcher.transition { state -> (Machine.SlotDecision, [Machine.Action]) in
                if cancelled.load(ordering: .acquiring) { return (.stop, []) }
                return state.machine.nextChunk(for: slot, of: worker, now: .now, parking: SlotWaiter(link: self))
            }
            switch decision {
            case .run(let chunk): if call(chunk) { return }
            case .wait: return
            case .stop: return end()
            }
        }
    }

    /// Starts the call that runs `chunk`; `false` when the chunk was cancelled (or timed out) before its call
    /// started: it never starts, and is reported cancelled.
    private func call(_ chunk: PoolDispatcher.Chunk) -> Bool {
        chunk.payload.receiver.chunkStarted()
        let call = portal.reserveCallID()
        guard dispatcher.state.withLock({ $0.machine.callStarting(chunk.id, call: call) }) else {
            portal.releaseCallID(call)
            _ = dispatcher.finish(chunk, with: .failure(CancellationError()), sent: nil, remote: remote)
            return false
        }
        let trace = ChunkTrace.begin(chunk.id, job: chunk.job, items: chunk.itemCount, on: worker, dispatcher.logger)
        // Clock reads only where someone uses them: the metrics, or the tuner for a worker on another host.
        let sent = dispatcher.metrics == nil && !remote ? nil : ContinuousClock.now
        let onAnswer = state.withLock { state in
            state.inFlight = InFlight(chunk: chunk, call: call, sent: sent, trace: trace)
            return state.onAnswer
        }
        portal.startCall(job: chunk.job, batch: chunk.payload.request, callID: call, onAnswer: onAnswer)
        // Cancelled while the call was being made: `cancel()` found no call in flight to cancel.
        if cancelled.load(ordering: .acquiring) { portal.cancelCall(call) }
        return true
    }

    /// The call in flight ended so: ends its chunk, then hands the slot its next one, unless the worker is lost.
    private func answered(_ result: Result<BatchResults, any Error>) {
        guard let inFlight = state.withLock({ state in
            defer { state.inFlight = nil }
            return state.inFlight
        }) else { return }
        inFlight.trace?.end(result)
        let outcome = dispatcher.finish(inFlight.chunk, with: result, sent: inFlight.sent, remote: remote)
        RoundTripTrace.mark(.slotFreed)
        if outcome == .workerLost { return end() }
        next()
    }

    /// The slot's task was cancelled: a parked slot ends now, a call in flight is cancelled, and no chunk is taken
    /// after it.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        // No lock of this shell is held where a slot's task is cancelled.
        if dispatcher.state.withLock({ $0.machine.slotCancelled(slot) }) != nil { return end() }
        if let call = state.withLock({ $0.inFlight?.call }) { portal.cancelCall(call) }
    }

    /// Ends the slot: its task returns.
    private func end() {
        let ending = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.ended = true
            defer { state.ending = nil }
            return state.ending
        }
        ending?.resume()
    }
}
