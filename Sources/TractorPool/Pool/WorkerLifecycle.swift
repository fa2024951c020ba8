//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The life of one worker of the pool, without I/O: one generation after another of a process in one placement slot.
///
/// ```text
///            start            started                  retire / quota / shutdown
///   idle ──────────▶ starting ────────▶ ready ─────────────────────────────▶ retiring
///    ▲                  │                 │ connection failed  ─▶ lost    ─┐
///    │     startFailed  │                 │ grace ran out      ─▶ killing ─┤ exited
///    │◀─────────────────┘                 │ terminateWorkers() ─▶ terminating ─┤
///    │                                    └────────────────────────────────────┴──▶ exited
///    └───────────────────────────── stopped (reaped) ◀──────────────────────────────┘
/// ```
///
/// Every event is a method; an event that does not apply to the current phase (a late report about an earlier
/// generation, a second report of one death) changes nothing. A read or write error on the worker's connection is the
/// same event as its death: the worker takes no more chunks, is killed to make sure, and its chunks learn their fate
/// from its exit status. ``PoolDispatcherStateMachine`` holds one per placement slot.
struct WorkerLifecycle: Sendable, Equatable {
    enum Phase: Equatable, Sendable {
        /// No process: not started yet, or stopped and reaped.
        case idle
        /// Spawning, handshaking, reporting its binding, running the pool's initializer.
        case starting
        /// Taking chunks.
        case ready
        /// Takes no more chunks (its quota is used up, or the pool no longer needs it); cancelled once its slots end.
        case retiring
        /// Being killed because a cancelled chunk ignored its cancellation past the grace period; the chunks it held
        /// besides that one go back to the queue.
        case killing
        /// Its connection failed (a read or write error): it takes no more chunks and is killed; its exit is awaited.
        case lost
        /// Being stopped by ``ProcessPool/terminateWorkers()`` or ``ProcessPool/killWorkers()``: its chunks fail.
        case terminating
        /// Its process has exited; its slots are ending.
        case exited
    }

    /// What becomes of the chunks a worker held when its process exited.
    enum Fate: Equatable, Sendable {
        /// Back to the front of the queue: they did nothing wrong (the worker was killed for another chunk).
        case requeue
        /// They fail with ``WorkerCrashed``.
        case crashed
        /// They fail: the pool's workers were terminated on request.
        case terminated
    }

    /// Which process holds the slot: 0 for the first, one more for each replacement.
    private(set) var generation = -1
    private(set) var phase = Phase.idle
    /// The process id of the current generation, once it has started.
    private(set) var pid: Int32 = 0
    /// Chunks running on it.
    var inFlight = 0
    /// How many of those have a timeout of their own.
    var timedInFlight = 0
    /// Jobs (items) given to this generation.
    var accepted = 0

    /// Whether the worker takes chunks.
    var takesChunks: Bool { phase == .ready }

    /// Whether a process of this generation may still be alive (it has not been reported exited or reaped).
    var mayBeAlive: Bool {
        switch phase {
        case .idle, .exited: false
        case .starting, .ready, .retiring, .killing, .lost, .terminating: true
        }
    }

    /// Whether the current generation's process is up: it has started and has not been reported exited.
    var isUp: Bool { pid != 0 && mayBeAlive }

    /// Whether `worker` names the current generation.
    func isCurrent(_ worker: WorkerRef) -> Bool { worker.generation == generation }

    /// idle → starting: a new generation begins. Returns its number, or `nil` if a process still holds the slot.
    mutating func start() -> Int? {
        guard phase == .idle else { return nil }
        generation += 1
        phase = .starting
        pid = 0
        inFlight = 0
        timedInFlight = 0
        accepted = 0
        return generation
    }

    /// starting → ready: the process is up and initialized. `false` if the worker was stopped meanwhile (terminated,
    /// lost, exited): the shell then stops the process instead.
    mutating func started(pid: Int32) -> Bool {
        guard phase == .starting else { return false }
        phase = .ready
        self.pid = pid
        return true
    }

    /// starting → idle: the process could not be started (nothing of it is left). A worker that died or failed while
    /// it started has been reaped and reported ``stopped()`` already, which freed the slot.
    mutating func startFailed() {
        guard phase == .starting else { return }
        phase = .idle
    }

    /// The worker's connection failed. Returns whether to kill the process (it may still be alive).
    mutating func connectionLost() -> Bool {
        switch phase {
        case .starting, .ready, .retiring:
            phase = .lost
            return true
        case .idle, .killing, .lost, .terminating, .exited:
            return false
        }
    }

    /// A cancelled chunk outlived its grace period. Returns whether to kill the process.
    mutating func graceExpired() -> Bool {
        guard phase == .ready || phase == .retiring else { return false }
        phase = .killing
        return true
    }

    /// ``ProcessPool/terminateWorkers()``: returns whether to signal the process (it may still be alive).
    mutating func terminate() -> Bool {
        switch phase {
        case .starting, .ready, .retiring, .killing, .lost:
            phase = .terminating
            return true
        case .idle, .terminating, .exited:
            return false
        }
    }

    /// ready → retiring: takes no more chunks.
    mutating func retire() {
        if phase == .ready { phase = .retiring }
    }

    /// The process exited unasked or after a signal of ours. Returns what becomes of the chunks it held, or `nil`
    /// if its exit was already reported (or it was never started).
    mutating func exited() -> Fate? {
        let fate: Fate
        switch phase {
        case .idle, .exited: return nil
        case .killing: fate = .requeue
        case .terminating: fate = .terminated
        case .starting, .ready, .retiring, .lost: fate = .crashed
        }
        phase = .exited
        return fate
    }

    /// What to do once every slot of a worker has ended.
    enum End: Equatable, Sendable {
        /// The process is alive and owes no answer: cancel it (the teardown ladder), then report ``stopped()``.
        case retire
        /// The process has exited, or is being killed: wait until it is reaped, then report ``stopped()``.
        case awaitExit
    }

    /// Every slot of the worker has ended.
    mutating func slotsEnded() -> End {
        switch phase {
        case .exited, .idle, .killing, .lost, .terminating:
            return .awaitExit
        case .ready, .retiring, .starting:
            phase = .retiring
            return .retire
        }
    }

    /// The process has been reaped: the slot is free for a replacement. Returns whether it had not been reported
    /// exited (its chunks then still wait for their fate; see ``exited()``).
    mutating func stopped() -> Fate? {
        let fate = exited()
        phase = .idle
        return fate
    }
}
