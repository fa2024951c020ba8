//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The pool's scheduling, without I/O: the queue of chunks, the workers and their in-flight windows, chunk sizing,
/// recycling after `maxJobsPerWorker`, cancellation, deadlines, and what a worker's death means for its chunks.
///
/// Each worker runs a fixed number of *slots* (its in-flight window); a slot asks for a chunk with
/// ``nextChunk(for:of:now:parking:)``, runs it, reports how it ended, and asks again. A slot with nothing to do parks
/// its `Waiter` here, in the same transition that decided it must wait, and an ``Action`` hands it its next decision:
/// no decision can come before its waiter. The machine answers with decisions and ``Action``s that the shell
/// (``PoolDispatcher``) performs outside its lock. Time is an argument, so tests drive deadlines by hand.
///
/// `Payload` is whatever the shell attaches to a chunk (its encoded request and how to deliver its results), `Waiter`
/// what resumes a parked slot (a continuation); the machine never looks inside either.
struct PoolDispatcherStateMachine<Payload, Waiter> {
    typealias Instant = ContinuousClock.Instant

    struct Configuration: Sendable {
        /// How many workers the pool keeps.
        var workerCount: Int
        /// How many chunks may wait in the queue before `enqueue` asks the submitter to suspend.
        var queueCapacity: Int
        /// How many jobs (items) one worker process runs before it is replaced; `nil`: no limit.
        var maximumJobsPerWorker: Int?
        /// How long a cancelled (or timed-out) running chunk may take to end before its worker is killed.
        var cancellationGrace: Duration
        /// How long a chunk should take, and the largest chunk.
        var targetChunkDuration: Duration
        var maximumChunkSize: Int
        /// How many chunks a worker has in flight at most (its slots).
        var window: Int = 4
        /// How many starts in a row may fail, while no worker takes chunks, before the pool is broken.
        var startAttempts = 5
        /// How long to wait before the first retry of a failed start; each further failure in a row doubles it, up
        /// to ``maximumRestartDelay``.
        var restartDelay: Duration = .milliseconds(10)
        var maximumRestartDelay: Duration = .seconds(1)
        /// How many times a chunk whose worker died while running it is queued again before it fails.
        var retriesAfterCrash = 0
        /// Each worker's host (`nil`: this machine), by index; empty when every worker is local.
        var workerHosts: [String?] = []
        /// The CPUs each worker is bound to (`nil`: unbound), by index; empty when none is.
        var workerCPUs: [CPUSet?] = []
    }

    /// One chunk: items of one job, sent to a worker in one `batch` call.
    struct Chunk {
        var id: ChunkID
        var job: String
        var itemCount: Int
        /// How long the chunk may run once started; `nil`: no limit.
        var timeout: Duration?
        var payload: Payload
        /// The size of its encoded request, in bytes: the tuner keeps calls within its byte budget.
        var requestBytes = 0
        /// Whether the chunk is one of a `map`'s, which come in a stream: a worker may hold one more of its long ones
        /// (see ``windowLimit(for:)``).
        var ofMap = false
        /// How many times the chunk was queued again after its worker died while running it.
        var crashRetries = 0
    }

    /// How a chunk's items end.
    enum Delivery {
        /// The worker returned the chunk's reply: deliver it.
        case completed
        /// The call failed as a whole: every item fails with this error.
        case failed(any Error)
        /// The chunk was cancelled (before it started, or while it ran).
        case cancelled
        /// The chunk ran longer than its timeout and was cancelled.
        case timedOut(Duration)
        /// Its worker died while running it.
        case crashed(WorkerCrashed)
    }

    /// Side effects for the shell to perform, in order, outside its lock.
    enum Action {
        /// Resume a parked slot with a chunk to run.
        case run(Waiter, Chunk)
        /// Resume a parked slot and end it: its worker is going away, or the pool has finished.
        case stopSlot(Waiter)
        /// Resolve a chunk's results.
        case deliver(Chunk, Delivery)
        /// Cancel the call that runs this chunk (send `cancel` for its call id to the worker), if it has started; a
        /// chunk whose call has not started yet never starts it (see ``callStarting(_:call:)``).
        case cancelCall(ChunkID)
        /// Send a signal to the worker's process: SIGKILL when a cancelled chunk ignored its cancellation past the
        /// grace period or its connection failed; SIGTERM or SIGKILL when the pool's workers are terminated.
        case signal(WorkerRef, Int32)
        /// Resume a submitter that waits for room in the queue.
        case resumeSubmitter(SubmitterID)
        /// The deadlines changed: the timer must look at ``nextDeadline`` again.
        case wakeTimer
        /// The pool has finished: shut down, and nothing is queued or running any more.
        case finished
    }

    /// Why a submission was refused.
    enum Rejection {
        case shutDown
        case broken(any Error)
    }

    enum Phase {
        case running
        case draining
        case broken(any Error)
    }

    struct Running {
        enum Stop {
            case cancelled
            case timedOut(Duration)
        }

        var chunk: Chunk
        var worker: WorkerRef
        /// The id of the call that runs the chunk, once the slot has one (see ``callStarting(_:call:)``).
        var call: UInt64?
        var stop: Stop?
        var timeoutDeadline: Instant?
        var graceDeadline: Instant?
    }

    struct Statistics: Sendable {
        var jobsCompleted = 0
        var jobsFailed = 0
        var jobsCancelled = 0
        var workersStarted = 0
        var workerCrashes = 0
        var workersKilled = 0
        var workersRecycled = 0
        var workerStartFailures = 0
        var jobsRetried = 0
    }

    let configuration: Configuration
    var phase = Phase.running
    var workers: [WorkerLifecycle]
    var queue = ChunkQueue<Chunk>()
    var running: [ChunkID: Running] = [:]
    /// Slots parked until there is a chunk for them, with their worker and waiter.
    var waitingSlots: [SlotID: (worker: WorkerRef, waiter: Waiter)] = [:]
    /// Submitters waiting for room in the queue, first first.
    var waitingSubmitters: [SubmitterID] = []
    var tuner: ChunkSizeTuner
    var statistics = Statistics()
    /// Whether ``Action/finished`` has been emitted.
    var didFinish = false
    /// Whether every worker has been up at once: the pool has started (later starts are replacements).
    var startedAll = false
    /// Worker starts that failed since the last one that succeeded.
    var consecutiveStartFailures = 0
    /// Whether the workers were terminated on request (``terminateWorkers(signal:now:)``): none is started again.
    var terminated = false
    /// The signal the workers were first terminated with.
    var terminationSignal: Int32 = 0

    init(configuration: Configuration) {
        self.configuration = configuration
        self.workers = Array(repeating: WorkerLifecycle(), count: Swift.max(1, configuration.workerCount))
        self.tuner = ChunkSizeTuner(
            targetDuration: configuration.targetChunkDuration,
            maximumChunkSize: configuration.maximumChunkSize
        )
    }

    /// Whether the pool has been shut down (or broken) and all its work has ended.
    var isFinished: Bool {
        if case .running = phase { return false }
        return queue.isEmpty && running.isEmpty
    }

    /// How many items the next chunk of `job` should hold: the tuner's answer, within the recycling quota.
    func chunkSize(for job: String) -> Int {
        withinQuota(tuner.chunkSize(for: job))
    }

    /// `size`, cut to the recycling quota (which is at least 1).
    func withinQuota(_ size: Int) -> Int {
        configuration.maximumJobsPerWorker.map { Swift.min(size, $0) } ?? size
    }

    // MARK: Submitting

    enum EnqueueAction {
        /// A slot was parked: resume it with the chunk.
        case run(Waiter, Chunk, [Action])
        /// The chunk waits in the queue.
        case queued
        /// The queue is full: suspend, and try again when resumed.
        case suspend
        case reject(Rejection)
    }

    /// Queues `chunk`, or hands it to a parked slot; `callerCPU` is the CPU the submitting thread runs on, if known:
    /// among workers equally free, one bound elsewhere gets the chunk (see ``waitingSlot(for:avoiding:)``).
    mutating func enqueue(_ chunk: Chunk, now: Instant, callerCPU: Int? = nil) -> EnqueueAction {
        if let rejection { return .reject(rejection) }
        guard queue.count < configuration.queueCapacity else { return .suspend }
        queue.append(chunk)
        // Usually the queue was empty; a chunk that a busy worker could not take at the end of a batch (see
        // `mayStart`) may be waiting for this one to make the queue long enough.
        if let head = queue.first, let slot = waitingSlot(for: head, avoiding: callerCPU) {
            _ = queue.popFirst()
            let parked = waitingSlots.removeValue(forKey: slot)!
            let actions = start(head, on: parked.worker, now: now)
            return .run(parked.waiter, head, actions)
        }
        return .queued
    }

    /// Records a submitter that got ``EnqueueAction/suspend``; `false` when it should try again at once instead.
    mutating func suspendSubmitter(_ submitter: SubmitterID) -> Bool {
        guard rejection == nil, queue.count >= configuration.queueCapacity else { return false }
        waitingSubmitters.append(submitter)
        return true
    }

    /// A suspended submitter gave up (its task was cancelled); `true` if it was still waiting.
    mutating func submitterCancelled(_ submitter: SubmitterID) -> Bool {
        guard let index = waitingSubmitters.firstIndex(of: submitter) else { return false }
        waitingSubmitters.remove(at: index)
        return true
    }

    var rejection: Rejection? {
        switch phase {
        case .running: nil
        case .draining: .shutDown
        case .broken(let error): .broken(error)
        }
    }

    // MARK: Slots

    enum SlotDecision {
        case run(Chunk)
        /// Nothing to do yet: the slot is parked until an action resumes it (or, asked without a waiter, should park
        /// one).
        case wait
        case stop
    }

    /// Decides what slot `slot` of `worker` does next. When it must wait, `waiter` is parked, to be resumed by an
    /// action; without a waiter nothing is recorded, and the shell asks again with one (the shell's fast path: most
    /// slots find a chunk at once and never make a waiter).
    mutating func nextChunk(
        for slot: SlotID,
        of worker: WorkerRef,
        now: Instant,
        parking waiter: Waiter?
    ) -> (SlotDecision, [Action]) {
        guard workers[worker.index].isCurrent(worker), workers[worker.index].takesChunks else {
            return (.stop, [])
        }
        if let head = queue.first, mayStart(head, on: worker) {
            guard fitsQuota(head, worker) else {
                return (.stop, retire(worker))
            }
            _ = queue.popFirst()
            var actions = start(head, on: worker, now: now)
            if let submitter = waitingSubmitters.first {
                waitingSubmitters.removeFirst()
                actions.append(.resumeSubmitter(submitter))
            }
            return (.run(head), actions)
        }
        if isFinished { return (.stop, []) }
        if let maximum = configuration.maximumJobsPerWorker, workers[worker.index].accepted >= maximum {
            return (.stop, retire(worker))
        }
        if let waiter { waitingSlots[slot] = (worker, waiter) }
        return (.wait, [])
    }

    /// A parked slot's task was cancelled: returns its waiter, to resume with ``SlotDecision/stop``, if it was still
    /// parked.
    mutating func slotCancelled(_ slot: SlotID) -> Waiter? {
        waitingSlots.removeValue(forKey: slot)?.waiter
    }

    /// The slot running chunk `id` is about to send it as call `call`: records the call id, so that cancelling the
    /// chunk cancels that call. Returns `false` when the chunk was cancelled or timed out before its call started:
    /// the slot then does not call, and reports the chunk failed with ``CallFailure/cancelled``.
    mutating func callStarting(_ id: ChunkID, call: UInt64) -> Bool {
        // Read, changed and written back whole: an in-place `running[id]?.call = call` goes through the
        // dictionary's modify accessor, which allocates for a value this large.
        guard var entry = running[id], entry.stop == nil else { return false }
        entry.call = call
        running[id] = entry
        return true
    }

    /// How many chunks a worker may have in flight when the next is `chunk`: the whole window for short chunks, so
    /// that sending overlaps running; three for a `map`'s longer ones,
    /// so that the next is there when one ends even if the reply that asks for another waits a while for a CPU (every
    /// core computes, and the pool's I/O thread must take its turn on one); two for a future's, whose own latency
    /// counts (a worker runs what it holds at once, so each one more in flight delays the others' results); one for a
    /// job not measured yet, which may be long and so never waits behind another on a busy worker while another
    /// worker could take it. ``mayStart(_:on:)`` keeps those extra ones from holding back the end of a batch.
    func windowLimit(for chunk: Chunk) -> Int {
        windowLimit(expected: expectedNanoseconds(of: chunk), ofMap: chunk.ofMap)
    }

    /// How long `chunk` should take, in nanoseconds, from its job's measured time per item; `nil` before its job is
    /// measured.
    private func expectedNanoseconds(of chunk: Chunk) -> Double? {
        tuner.nanosecondsPerItem(of: chunk.job).map { $0 * Double(chunk.itemCount) }
    }

    /// As ``windowLimit(for:)``, for a chunk expected to take `expected` nanoseconds (`nil`: not measured yet).
    private func windowLimit(expected: Double?, ofMap: Bool) -> Int {
        // In nanoseconds as a Double: this runs for every chunk handed out, and Duration arithmetic is 128-bit.
        // A job not measured yet may be long: it never waits behind another on a busy worker.
        guard let expected else { return 1 }
        if expected >= shortChunkNanoseconds { return Swift.min(ofMap ? 3 : 2, configuration.window) }
        return configuration.window
    }

    /// Whether `worker` may start `chunk`, the head of the queue, now: within its window (see ``windowLimit(for:)``).
    /// A chunk that is not short and would go to a worker that already has `k` in flight is started there only while
    /// the queue holds `k` for every worker: at the end of a batch, a worker holding extra long chunks while another
    /// idles would cost up to a whole chunk's time each, where waiting for the next free worker costs one round trip.
    /// And never when either has a timeout of its own: a timeout counts a job's own running time, not time shared
    /// with another.
    func mayStart(_ chunk: Chunk, on worker: WorkerRef) -> Bool {
        mayStart(chunk, on: worker, expected: expectedNanoseconds(of: chunk))
    }

    /// As ``mayStart(_:on:)``, for `chunk` expected to take `expected` nanoseconds (looked up once for a choice
    /// among several workers).
    private func mayStart(_ chunk: Chunk, on worker: WorkerRef, expected: Double?) -> Bool {
        let state = workers[worker.index]
        guard state.inFlight < windowLimit(expected: expected, ofMap: chunk.ofMap) else { return false }
        guard state.inFlight > 0, let expected else { return true }
        if expected < shortChunkNanoseconds { return true }
        return chunk.timeout == nil && state.timedInFlight == 0 && queue.count >= state.inFlight * workers.count
    }

    private var targetNanoseconds: Double { configuration.targetChunkDuration.nanoseconds }
    /// The line under which a chunk is short (see ``shortChunkFraction``), in nanoseconds.
    var shortChunkNanoseconds: Double { targetNanoseconds / Self.shortChunkFraction }

    func fitsQuota(_ chunk: Chunk, _ worker: WorkerRef) -> Bool {
        guard let maximum = configuration.maximumJobsPerWorker else { return true }
        return workers[worker.index].accepted + chunk.itemCount <= maximum
    }

    /// The parked slot that takes `chunk`: one of the worker with the fewest chunks in flight and, among those, of a
    /// worker not bound to CPU `cpu` (the submitter's), which then runs beside the submitter instead of preempting
    /// it; `nil` when no parked slot may take it.
    private func waitingSlot(for chunk: Chunk, avoiding cpu: Int? = nil) -> SlotID? {
        var best: (slot: SlotID, inFlight: Int, onCPU: Bool)?
        let expected = expectedNanoseconds(of: chunk)
        for (slot, parked) in waitingSlots {
            let worker = parked.worker
            let state = workers[worker.index]
            guard state.isCurrent(worker), state.takesChunks, fitsQuota(chunk, worker),
                mayStart(chunk, on: worker, expected: expected)
            else {
                continue
            }
            let onCPU = cpu.map { isBound(worker, to: $0) } ?? false
            if let current = best, (current.inFlight, current.onCPU ? 1 : 0) <= (state.inFlight, onCPU ? 1 : 0) {
                continue
            }
            best = (slot, state.inFlight, onCPU)
        }
        return best?.slot
    }

    /// Whether `worker` is bound to CPUs that include `cpu`.
    private func isBound(_ worker: WorkerRef, to cpu: Int) -> Bool {
        guard worker.index < configuration.workerCPUs.count, let cpus = configuration.workerCPUs[worker.index] else {
            return false
        }
        return cpus.contains(cpu)
    }

    private mutating func start(_ chunk: Chunk, on worker: WorkerRef, now: Instant) -> [Action] {
        workers[worker.index].inFlight += 1
        if chunk.timeout != nil { workers[worker.index].timedInFlight += 1 }
        workers[worker.index].accepted += chunk.itemCount
        let deadline = chunk.timeout.map { now + $0 }
        running[chunk.id] = Running(chunk: chunk, worker: worker, timeoutDeadline: deadline)
        return deadline == nil ? [] : [.wakeTimer]
    }

    /// Stops a worker taking chunks; its waiting slots end.
    mutating func retire(_ worker: WorkerRef) -> [Action] {
        if workers[worker.index].isCurrent(worker) { workers[worker.index].retire() }
        return stopWaitingSlots { $0 == worker }
    }

    mutating func stopWaitingSlots(where matches: (WorkerRef) -> Bool) -> [Action] {
        let slots = waitingSlots.filter { matches($0.value.worker) }.map(\.key)
        return slots.compactMap { waitingSlots.removeValue(forKey: $0).map { .stopSlot($0.waiter) } }
    }

    /// Gives queued chunks to waiting slots, as far as both go.
    mutating func dispatchQueued(now: Instant) -> [Action] {
        var actions: [Action] = []
        while let head = queue.first, let slot = waitingSlot(for: head) {
            _ = queue.popFirst()
            let parked = waitingSlots.removeValue(forKey: slot)!
            actions += start(head, on: parked.worker, now: now)
            actions.append(.run(parked.waiter, head))
        }
        return actions
    }

    /// Emits ``Action/finished`` once the pool has finished, ending every waiting slot.
    mutating func finishIfDone() -> [Action] {
        guard !didFinish, isFinished else { return [] }
        didFinish = true
        var actions = stopWaitingSlots { _ in true }
        actions += waitingSubmitters.map { .resumeSubmitter($0) }
        waitingSubmitters.removeAll()
        actions.append(.finished)
        return actions
    }
}

extension PoolDispatcherStateMachine: Sendable where Payload: Sendable, Waiter: Sendable {}
extension PoolDispatcherStateMachine.Chunk: Sendable where Payload: Sendable {}
extension PoolDispatcherStateMachine.Running: Sendable where Payload: Sendable {}
extension PoolDispatcherStateMachine.Delivery: Sendable where Payload: Sendable {}
extension PoolDispatcherStateMachine.Action: Sendable where Payload: Sendable, Waiter: Sendable {}
extension PoolDispatcherStateMachine.SlotDecision: Sendable where Payload: Sendable {}

/// Identifies a chunk within its pool.
struct ChunkID: Hashable, Sendable, Comparable, CustomStringConvertible {
    var rawValue: UInt64
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    var description: String { "chunk \(rawValue)" }
}

/// Identifies one slot (one place in a worker's in-flight window).
struct SlotID: Hashable, Sendable {
    var rawValue: UInt64
}

/// Identifies a submitter waiting for room in the queue.
struct SubmitterID: Hashable, Sendable {
    var rawValue: UInt64
}

/// One generation of one worker: its index in the pool (its placement) and how many processes held it before.
struct WorkerRef: Hashable, Sendable, CustomStringConvertible {
    var index: Int
    var generation: Int
    var description: String { "worker \(index) (generation \(generation))" }
}
