//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The supervision rules of one actor nursery, without I/O: which actors live, which `runInActor` jobs run, which
/// errors happened, and when one failure must cancel everything.
///
/// Generic over what it keeps for an actor (`Child`), for a job (`Runner`) and for a suspended task (`Waiter`), so that
/// the rules are unit-tested with plain values. ``NurserySupervisor`` holds it under a lock and performs the actions it
/// returns outside the lock.
struct NurseryStateMachine<Child, Runner, Waiter>: ~Copyable {
    enum Phase: Equatable {
        /// Actors may start.
        case open
        /// The body returned: `runInActor` jobs are awaited, then daemons cancelled; nothing new starts.
        case closing
        /// Everything is being (or has been) cancelled; nothing new starts.
        case cancelling
    }

    private(set) var phase = Phase.open
    private var living: [String: Child] = [:]
    private var runners: [String: Runner] = [:]
    /// Actors whose process exists but whose handshake has not completed; cancelling one kills its process.
    private var starting: [String: Runner] = [:]
    /// The errors recorded, in the order they happened.
    private(set) var errors: [any Error] = []
    private var failureWaiter: Waiter?
    private var emptyWaiters: [Waiter] = []

    /// The actors alive now.
    var children: [Child] { Array(living.values) }

    /// Whether no actor lives or is starting.
    var isEmpty: Bool { living.isEmpty && starting.isEmpty }

    /// Why a new actor may not start now, if it may not.
    var refusal: TractorError? {
        switch phase {
        case .open: nil
        case .closing: TractorError(.scopeClosed, "the actor nursery is closing; no new actor can start")
        case .cancelling: TractorError(.scopeClosed, "the actor nursery is cancelled; no new actor can start")
        }
    }

    /// An actor's process was started; until ``finishedStarting(_:)`` the nursery cannot end. `stop` is how to stop it
    /// if the nursery is cancelled meanwhile.
    mutating func startedProcess(_ id: String, stop: Runner) -> Runner? {
        starting[id] = stop
        return phase == .cancelling ? stop : nil
    }

    /// An actor finished starting (admitted or not); returns the waiters to wake if nothing is left.
    mutating func finishedStarting(_ id: String) -> [Waiter] {
        starting.removeValue(forKey: id)
        return takeEmptyWaitersIfEmpty()
    }

    /// An actor finished starting; it joins the nursery unless the nursery stopped accepting meanwhile.
    mutating func admit(_ id: String, _ child: Child) -> TractorError? {
        if let refusal { return refusal }
        living[id] = child
        return nil
    }

    /// A `runInActor` job started; returns it if it must be cancelled at once (the nursery is cancelling).
    mutating func addRunner(_ id: String, _ runner: Runner) -> Runner? {
        runners[id] = runner
        return phase == .cancelling ? runner : nil
    }

    /// A job or an actor failed. Returns whether this is the first failure, which must cancel everything.
    ///
    /// Errors that only echo a cancellation already under way (`CancellationError`, `TractorError.cancelled`) are
    /// not failures.
    mutating func failed(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? TractorError, error.code == .cancelled { return false }
        errors.append(error)
        return errors.count == 1
    }

    /// What cancelling everything involves.
    struct Cancellation {
        var children: [Child]
        var runners: [Runner]
        /// The scope waiting for a failure, to wake (failures only).
        var failureWaiter: Waiter?
    }

    /// Cancels everything; a failure also stops the nursery from accepting actors and wakes the scope.
    mutating func cancelAll(failing: Bool) -> Cancellation {
        var waiter: Waiter?
        if failing {
            phase = .cancelling
            waiter = failureWaiter
            failureWaiter = nil
        }
        return Cancellation(
            children: Array(living.values),
            runners: Array(runners.values) + Array(starting.values),
            failureWaiter: waiter
        )
    }

    /// The scope waits for a failure; returns `waiter` back if it should resume at once.
    mutating func waitForFailure(_ waiter: Waiter) -> Waiter? {
        if phase == .cancelling { return waiter }
        failureWaiter = waiter
        return nil
    }

    /// The scope stops waiting for a failure (it was cancelled); returns the waiter to resume.
    mutating func stopWaitingForFailure() -> Waiter? {
        defer { failureWaiter = nil }
        return failureWaiter
    }

    /// An actor exited and was reaped; returns the waiters to wake if it was the last one.
    mutating func exited(_ id: String) -> [Waiter] {
        living.removeValue(forKey: id)
        runners.removeValue(forKey: id)
        return takeEmptyWaitersIfEmpty()
    }

    private mutating func takeEmptyWaitersIfEmpty() -> [Waiter] {
        guard living.isEmpty, starting.isEmpty else { return [] }
        defer { emptyWaiters.removeAll() }
        return emptyWaiters
    }

    /// The body returned: nothing new starts; returns the jobs to await.
    mutating func beginClosing() -> [Runner] {
        if phase == .open { phase = .closing }
        return Array(runners.values)
    }

    /// Waits until no actor lives or is starting; returns `waiter` back if none does now.
    mutating func waitUntilEmpty(_ waiter: Waiter) -> Waiter? {
        if living.isEmpty && starting.isEmpty { return waiter }
        emptyWaiters.append(waiter)
        return nil
    }

    /// The scope is over.
    mutating func finish() {
        phase = .cancelling
    }
}
