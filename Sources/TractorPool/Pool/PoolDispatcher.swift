//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging
import Synchronization

/// What the shell attaches to a chunk: its encoded request, and what its results are handed to.
///
/// A class: chunks are copied in and out of the machine's queue and tables at every step, and one reference is
/// cheaper to copy than what it holds.
final class ChunkPayload: Sendable {
    /// The chunk's inputs, encoded as one array: a `batch` call's inputs.
    let request: [UInt8]
    /// What resolves the chunk's futures (or its part of a `map`).
    let receiver: any ChunkReceiver

    init(request: [UInt8], receiver: any ChunkReceiver) {
        self.request = request
        self.receiver = receiver
    }

    /// A payload whose results go to `deliver`.
    convenience init(request: [UInt8], deliver: @escaping @Sendable (ChunkResult) -> Void) {
        self.init(request: request, receiver: DeliveryClosure(deliver: deliver))
    }
}

/// What a chunk's results are handed to: a submitted job's future, or a `map`'s share of the chunk.
protocol ChunkReceiver: Sendable {
    /// Resolves the chunk's futures (or its part of a `map`); called once, usually on the I/O thread, so it does
    /// little: a `map` leaves its outputs for its consumer to decode, and a large output is decoded on the
    /// dispatcher's resolver task (``PoolDispatcher/resolveLater(_:)``).
    func receive(_ result: ChunkResult, from dispatcher: PoolDispatcher)
    /// The chunk started running on a worker.
    func chunkStarted()
}

/// A receiver that hands the results to a closure.
private struct DeliveryClosure: ChunkReceiver {
    let deliver: @Sendable (ChunkResult) -> Void

    func receive(_ result: ChunkResult, from dispatcher: PoolDispatcher) { deliver(result) }
    func chunkStarted() {}
}

/// What parks a slot in the dispatcher's machine: its link, handed its next decision (see ``SlotLink``).
struct SlotWaiter: Sendable {
    let link: SlotLink
}

/// How a chunk came back.
enum ChunkResult: Sendable {
    /// The worker's results, to decode.
    case reply(BatchResults)
    /// Every item of the chunk fails with this error.
    case failure(any Error)
}

/// The shell around ``PoolDispatcherStateMachine``: one lock over the machine and the continuations it speaks of,
/// the worker processes, the slots that run chunks, and the timer. Transitions happen under the lock; their effects
/// (resuming tasks, delivering results, cancelling calls, killing a worker) happen outside it.
final class PoolDispatcher: Sendable {
    typealias Machine = PoolDispatcherStateMachine<ChunkPayload, SlotWaiter>
    typealias Chunk = Machine.Chunk

    let configuration: ProcessPoolConfiguration
    let plan: PlacementPlan
    /// Each machine's topology: `nil` for this one, else the joined host's name.
    let topologies: [String?: Topology]
    /// Each worker's in-flight window, in chunks.
    let window: Int
    let state: Mutex<State>
    /// The pool's metrics handles; `nil` when no metrics backend was bootstrapped when the pool opened.
    let metrics: PoolMetrics?
    /// When a task waiting for a future's value polls for it before it parks.
    let replyPoll = ReplyPoll()

    struct State: Sendable {
        var machine: Machine
        var nextID: UInt64 = 1
        var submitterWaiters = WaiterList<Void>()
        var submitterIDs: [SubmitterID: Int] = [:]
        var portals: [WorkerRef: Portal] = [:]
        var workersByUID: [String: WorkerRef] = [:]
        /// Exits reported before the worker's portal was registered.
        var unclaimedExits: [String: TerminationStatus] = [:]
        var bindings: [Int: WorkerBinding] = [:]
        var settledWaiters = WaiterList<Void>()
        var finishWaiters = WaiterList<Void>()
        /// The timer, while it waits for the next deadline; resumed to make it look at the deadlines again.
        var timerWaiter: CheckedContinuation<Void, Never>?
        /// Counts the timer's waits, so that the loop's alarm for an earlier wait does nothing.
        var timerWait: UInt64 = 0
        var timerWakePending = false
        /// Resolutions handed to the resolver (see ``PoolDispatcher/resolveLater(_:)``), and the resolver while it
        /// waits for one.
        var resolutions: [@Sendable () -> Void] = []
        var resolverWaiter: CheckedContinuation<Void, Never>?
        /// Whether the pool's scope has ended.
        var closed = false
        /// Deliveries decided and not yet made (they are made outside the lock), and futures being resolved off the
        /// I/O thread (see ``PoolDispatcher/resolveLater(_:)``): the pool has not finished until they are done.
        var pendingResolutions = 0
        /// The chunk size last logged for each job (a `map` that asked for a size: the job and that size).
        var loggedChunkSizes: [String: Int] = [:]
        /// The levels last reported to the metrics backend.
        var reportedLevels = PoolMetrics.Levels()
        /// Worker slots whose host is away, said once: their further attempts to start are logged at debug level.
        var hostAwaySaid: Set<Int> = []
    }

    /// What performing actions comes down to, outside the lock.
    enum Effect: Sendable {
        case resumeSlot(SlotWaiter, Machine.SlotDecision)
        case cancelCall(Portal, UInt64)
        case deliver(Chunk, Machine.Delivery)
        case signal(Portal, Int32)
        case resume(CheckedContinuation<Void, Never>)
    }

    init(configuration: ProcessPoolConfiguration, plan: PlacementPlan, topologies: [String?: Topology]) {
        self.configuration = configuration
        self.plan = plan
        self.topologies = topologies
        self.window = Swift.max(1, configuration.inFlightChunksPerWorker)
        let machine = Machine(
            configuration: .init(
                workerCount: plan.workers.count,
                queueCapacity: Swift.max(1, configuration.queueCapacity),
                maximumJobsPerWorker: configuration.maxJobsPerWorker.map { Swift.max(1, $0) },
                cancellationGrace: configuration.cancellationGrace,
                targetChunkDuration: configuration.targetChunkDuration,
                maximumChunkSize: configuration.maximumChunkSize,
                window: Swift.max(1, configuration.inFlightChunksPerWorker),
                retriesAfterCrash: Swift.max(0, configuration.retriesAfterCrash),
                workerHosts: plan.workers.map(\.host),
                workerCPUs: plan.workers.map { $0.host == nil ? $0.cpus : nil }
            )
        )
        self.state = Mutex(State(machine: machine))
        self.metrics = PoolMetrics(label: configuration.label, workerCount: plan.workers.count)
    }

    /// The logger the pool reports on: its configuration's, or the process's.
    var logger: Logger { configuration.logger ?? ActorRuntime.shared.logger }

    /// How many chunks `map` keeps submitted ahead of its consumer.
    var mapReadAhead: Int {
        Swift.max(1, configuration.mapReadAhead ?? 2 * plan.workers.count * window)
    }

    /// How many chunks of `itemCount` items of `job` a `map` keeps submitted ahead of its consumer: twice what the
    /// workers may have in flight.
    func mapReadAhead(job: String, itemCount: Int) -> Int {
        if let configured = configuration.mapReadAhead { return Swift.max(1, configured) }
        return 2 * plan.workers.count * window
    }

    // MARK: Transitions

    /// Runs `body` under the lock, then performs the actions it returns, outside the lock.
    @discardableResult
    func transition<Result>(_ body: (inout State) -> (Result, [Machine.Action])) -> Result {
        let (result, effects) = state.withLock { state -> (Result, [Effect]) in
            let (result, actions) = body(&state)
            state.reportLevels(to: metrics)
            return (result, state.effects(of: actions))
        }
        perform(effects)
        return result
    }

    func perform(_ effects: [Effect]) {
        var delivered = 0
        for effect in effects {
            switch effect {
            case .resumeSlot(let waiter, let decision): waiter.link.resume(with: decision)
            case .cancelCall(let portal, let call): portal.cancelCall(call)
            case .deliver(let chunk, let delivery):
                deliver(chunk, delivery, reply: nil)
                delivered += 1
            case .signal(let portal, let signal): portal.signal(signal)
            case .resume(let continuation): continuation.resume()
            }
        }
        if delivered > 0 { resolved(delivered) }
    }

    /// `count` deliveries counted in ``State/pendingResolutions`` have been made: wakes those waiting for the pool
    /// to finish if that was the last.
    func resolved(_ count: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pendingResolutions -= count
            return state.reached(.finished) ? state.finishWaiters.removeAll() : []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Hands a chunk's results over.
    func deliver(_ chunk: Chunk, _ delivery: Machine.Delivery, reply: BatchResults?) {
        let result: ChunkResult
        switch delivery {
        case .completed:
            result = .reply(reply ?? BatchResults(elapsedNanoseconds: 0, outputs: [], failures: []))
        case .failed(let error):
            result = .failure(error)
        case .cancelled:
            result = .failure(CancellationError())
        case .timedOut(let timeout):
            result = .failure(TractorError(
                .timedOut, "job '\(chunk.job)' ran longer than its timeout of \(timeout) and was cancelled"
            ))
        case .crashed(let crash):
            result = .failure(crash)
        }
        metrics?.delivered(chunk.job, items: chunk.itemCount, delivery, reply: reply)
        chunk.payload.receiver.receive(result, from: self)
    }

    func makeChunkID() -> ChunkID {
        state.withLock { state in
            defer { state.nextID += 1 }
            return ChunkID(rawValue: state.nextID)
        }
    }

    // MARK: Submitting

    /// Puts a chunk in the queue (or straight into a waiting slot), suspending while the queue is full.
    ///
    /// - Throws: ``TractorError`` `.scopeClosed` after shutdown or once the pool's scope has ended; the pool's
    ///   error when it is broken; `CancellationError` when the task is cancelled while suspended.
    nonisolated(nonsending) func enqueue(_ chunk: Chunk) async throws {
        enum Outcome { case run(SlotWaiter, Chunk), done, suspend, rejected(any Error) }
        // Read outside the lock: among workers equally free, one bound elsewhere then takes the chunk.
        let callerCPU = sys_current_cpu()
        while true {
            let outcome = transition { state -> (Outcome, [Machine.Action]) in
                if state.closed { return (.rejected(Self.scopeEnded), []) }
                switch state.machine.enqueue(chunk, now: .now, callerCPU: callerCPU) {
                // The parked slot is resumed here rather than through an action: a lone submit then builds no
                // array of actions and effects.
                case .run(let waiter, let chunk, let actions): return (.run(waiter, chunk), actions)
                case .queued: return (.done, [])
                case .suspend: return (.suspend, [])
                case .reject(.shutDown): return (.rejected(Self.shutDown), [])
                case .reject(.broken(let error)): return (.rejected(error), [])
                }
            }
            switch outcome {
            case .run(let waiter, let chunk):
                metrics?.submitted(chunk.job, items: chunk.itemCount)
                RoundTripTrace.mark(.submitQueued)
                // The request leaves from here: no task of the slot's runs for it.
                waiter.link.run(chunk)
                return
            case .done:
                metrics?.submitted(chunk.job, items: chunk.itemCount)
                RoundTripTrace.mark(.submitQueued)
                return
            case .rejected(let error): throw error
            case .suspend: try await waitForRoom()
            }
        }
    }

    private nonisolated(nonsending) func waitForRoom() async throws {
        let (submitter, id) = state.withLock { state -> (SubmitterID, Int) in
            defer { state.nextID += 1 }
            let id = state.submitterWaiters.makeID()
            let submitter = SubmitterID(rawValue: state.nextID)
            state.submitterIDs[submitter] = id
            return (submitter, id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    guard state.machine.suspendSubmitter(submitter) else {
                        _ = state.submitterWaiters.cancel(id)
                        return false
                    }
                    if state.submitterWaiters.add(continuation, id: id) { return true }
                    _ = state.machine.submitterCancelled(submitter)
                    return false
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state in
                _ = state.machine.submitterCancelled(submitter)
                return state.submitterWaiters.cancel(id)
            }
            continuation?.resume()
        }
        state.withLock { _ = $0.submitterIDs.removeValue(forKey: submitter) }
        try Task.checkCancellation()
    }

    /// Cancels a chunk; `false` if it had already ended.
    func cancel(_ id: ChunkID) -> Bool {
        transition { state in state.machine.cancel(id, now: .now) }
    }

    /// The error that broke the pool, if it is broken.
    var brokenError: (any Error)? {
        state.withLock { state in
            if case .broken(let error)? = state.machine.rejection { return error }
            return nil
        }
    }

    // MARK: Shutting down

    func shutdown(cancelPending: Bool) {
        transition { state in ((), state.machine.shutdown(cancelPending: cancelPending)) }
    }

    /// Cancels every queued and running job.
    func cancelAll() {
        transition { state in ((), state.machine.cancelAll(now: .now)) }
    }

    /// Returns when the pool has finished (shut down, and nothing left queued or running), or the task is cancelled.
    func waitUntilFinished() async {
        await wait(for: .finished)
    }

    /// Returns when every worker is up, or the pool no longer takes work, or the task is cancelled.
    func waitUntilSettled() async {
        await wait(for: .settled)
    }

    enum Milestone { case finished, settled }

    private func wait(for milestone: Milestone) async {
        let id = state.withLock { $0[waiters: milestone].makeID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    if state.reached(milestone) {
                        _ = state[waiters: milestone].cancel(id)
                        return false
                    }
                    return state[waiters: milestone].add(continuation, id: id)
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0[waiters: milestone].cancel(id) }?.resume()
        }
    }

    /// Ends the scope: whatever is left is cancelled, every waiter resumed; later calls throw `.scopeClosed`.
    func close() {
        let effects = state.withLock { state -> [Effect] in
            state.closed = true
            var effects = state.effects(of: state.machine.cancelAll(now: .now))
            state.reportLevels(to: metrics)
            let waiters = state.finishWaiters.removeAll() + state.settledWaiters.removeAll()
                + state.submitterWaiters.removeAll() + [state.resolverWaiter].compactMap { $0 }
            state.resolverWaiter = nil
            effects += waiters.map { .resume($0) }
            return effects
        }
        perform(effects)
    }

    static var shutDown: TractorError {
        TractorError(
            .scopeClosed,
            "the process pool is shut down: submit jobs before calling shutdown() or leaving withProcessPool"
        )
    }

    static var scopeEnded: TractorError {
        TractorError(
            .scopeClosed,
            "the process pool's scope has ended: use a ProcessPool only inside the withProcessPool closure"
        )
    }
}

extension PoolDispatcher.State {
    /// The waiters of a milestone.
    subscript(waiters milestone: PoolDispatcher.Milestone) -> WaiterList<Void> {
        get {
            switch milestone {
            case .finished: finishWaiters
            case .settled: settledWaiters
            }
        }
        set {
            switch milestone {
            case .finished: finishWaiters = newValue
            case .settled: settledWaiters = newValue
            }
        }
    }

    func reached(_ milestone: PoolDispatcher.Milestone) -> Bool {
        switch milestone {
        case .finished: (machine.didFinish && pendingResolutions == 0) || closed
        case .settled: machine.workersAreSettled || closed
        }
    }

    /// Turns the machine's actions into effects, taking the continuations and tasks they name out of the state.
    mutating func effects(of actions: [PoolDispatcher.Machine.Action]) -> [PoolDispatcher.Effect] {
        var effects: [PoolDispatcher.Effect] = []
        for action in actions {
            switch action {
            case .run(let waiter, let chunk):
                effects.append(.resumeSlot(waiter, .run(chunk)))
            case .stopSlot(let waiter):
                effects.append(.resumeSlot(waiter, .stop))
            case .deliver(let chunk, let delivery):
                // Counted until it is made, outside the lock: the pool has not finished before its futures resolve.
                pendingResolutions += 1
                effects.append(.deliver(chunk, delivery))
            case .cancelCall(let id):
                // By call id: the message reaches that call alone, whatever its slot does meanwhile. A chunk whose
                // call id is not known yet never starts its call (see `callStarting`).
                if let entry = machine.running[id], let call = entry.call, let portal = portals[entry.worker] {
                    effects.append(.cancelCall(portal, call))
                }
            case .signal(let worker, let signal):
                if let portal = portals[worker] { effects.append(.signal(portal, signal)) }
            case .resumeSubmitter(let submitter):
                if let id = submitterIDs[submitter], let continuation = submitterWaiters.remove(id) {
                    effects.append(.resume(continuation))
                }
            case .wakeTimer:
                if let waiter = timerWaiter {
                    timerWaiter = nil
                    effects.append(.resume(waiter))
                } else {
                    timerWakePending = true
                }
            case .finished:
                // Once every future is resolved: outputs decoded off the I/O thread may still be on their way.
                if pendingResolutions == 0 { effects += finishWaiters.removeAll().map { .resume($0) } }
            }
        }
        if !settledWaiters.isEmpty, machine.workersAreSettled {
            effects += settledWaiters.removeAll().map { .resume($0) }
        }
        return effects
    }
}
