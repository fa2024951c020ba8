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
    /// The `runInActor` jobs whose task has not finished, by actor: the scope waits for each before it reads the
    /// errors, since a job records its failure when its task resumes, which may be after its actor was reaped.
    private var runners: [String: Runner] = [:]
    /// Jobs whose task finished before it was added (see ``addRunner(_:_:)``).
    private var finishedRunners: Set<String> = []
    /// Actors whose process exists but whose handshake has not completed; cancelling one kills its process.
    private var starting: [String: Runner] = [:]
    /// The failures recorded, one per actor, in the order they happened.
    private var failures: [(actor: String, error: any Error)] = []
    /// How many times ``cancelAll(failing:)`` ran: a start that fails across a change was stopped by it.
    private(set) var cancellations = 0
    private var failureWaiter: Waiter?
    private var emptyWaiters: [Waiter] = []
    /// This process's actor: a ``ContextCancelled`` naming it as the canceller echoes this nursery's cancellation.
    private let local: ActorID?

    /// A machine for a nursery of the actor `local` (`nil`: unknown, in tests).
    init(local: ActorID? = nil) {
        self.local = local
    }

    /// The errors recorded, one per failed actor, in the order they happened.
    var errors: [any Error] { failures.map(\.error) }

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
        if finishedRunners.remove(id) == nil { runners[id] = runner }
        return phase == .cancelling ? runner : nil
    }

    /// A `runInActor` job's task finished (its failure, if any, is recorded).
    mutating func runnerFinished(_ id: String) {
        if runners.removeValue(forKey: id) == nil { finishedRunners.insert(id) }
    }

    /// The actor `actor` failed with `error`. Returns whether this is the nursery's first failure, which must cancel
    /// everything.
    ///
    /// One actor is one failure: whatever calls, streams and contexts it had open, only its first error is recorded
    /// (a death reported by the exit and again by each call it failed is one death). Errors that only echo a
    /// cancellation already under way (see ``isCancellationEcho(_:)``) are not failures.
    mutating func failed(_ error: any Error, actor: String) -> Bool {
        if isCancellationEcho(error) { return false }
        guard !failures.contains(where: { $0.actor == actor }) else { return false }
        failures.append((actor, error))
        return failures.count == 1
    }

    /// Whether `error` only says that something was cancelled: `CancellationError`, `TractorError.cancelled`, or a
    /// ``ContextCancelled`` this process asked for.
    func isCancellationEcho(_ error: any Error) -> Bool {
        switch error {
        case is CancellationError:
            return true
        case let error as TractorError:
            return error.code == .cancelled
        case let error as ContextCancelled:
            return local != nil && error.canceller == local
        default:
            return false
        }
    }

    /// Whether the scope's body failing with `error` adds nothing to the failures recorded: the body rethrew one of
    /// them, or it failed only because the first failure cancelled it (a cancellation, or a refusal to start an actor
    /// in the cancelled nursery). With no failure recorded, the body's error always counts.
    func bodyErrorEchoesFailures(_ error: any Error) -> Bool {
        guard !failures.isEmpty else { return false }
        if isCancellationEcho(error) { return true }
        if let error = error as? TractorError, error.code == .scopeClosed { return true }
        return failures.contains { Self.isSameFailure($0.error, error) }
    }

    /// Whether two errors are copies of one failure: the same ``TractorError`` (code, message and where it was
    /// raised), the same ``RemoteActorError``, the same ``ContextCancelled``, or one error a job declared, decoded
    /// from the same remote error (``RemoteContextCarrying``) or, without its context, the same value of the same
    /// `Codable` type.
    static func isSameFailure(_ first: any Error, _ second: any Error) -> Bool {
        switch (first, second) {
        case let (first as TractorError, second as TractorError):
            return first.code == second.code && first.message == second.message && first.file == second.file
                && first.line == second.line
        case let (first as RemoteActorError, second as RemoteActorError):
            return first.info == second.info
        case let (first as ContextCancelled, second as ContextCancelled):
            return first.canceller == second.canceller && first.job == second.job
        case let (first as any RemoteContextCarrying, second as any RemoteContextCarrying):
            guard let firstRemote = first.remote, let secondRemote = second.remote else { return false }
            return firstRemote.info == secondRemote.info
        default:
            // A declared error type without its context: the same value of the same `Codable` type.
            guard first is any Codable, ObjectIdentifier(type(of: first)) == ObjectIdentifier(type(of: second)) else {
                return false
            }
            return String(reflecting: first) == String(reflecting: second)
        }
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
        cancellations += 1
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

    /// The `runInActor` jobs whose task has not finished yet.
    var unfinishedRunners: [Runner] { Array(runners.values) }

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
