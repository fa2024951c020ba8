//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The supervision of one nursery: which actors live, which jobs run, which errors happened, and the
/// one-cancels-all rule. Every transition happens under one lock; the actions (tearing actors down, resuming
/// waiters) happen outside it.
final class NurserySupervisor: Sendable {
    private let state = Mutex(State())
    private let unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)?

    init(unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)? = nil) {
        self.unexpectedExitHandler = unexpectedExitHandler
    }

    private struct Runner {
        var cancel: @Sendable () -> Void
        var wait: @Sendable () async -> Void
    }

    private struct State: ~Copyable {
        var phase = Phase.open
        var living: [String: ChildActor] = [:]
        var runners: [String: Runner] = [:]
        var errors: [any Error] = []
        var failureWaiter: CheckedContinuation<Void, Never>?
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    }

    enum Phase {
        case open
        case closing
        case cancelling
    }

    /// The actors alive now.
    var living: [ChildActor] { state.withLock { Array($0.living.values) } }

    /// The errors recorded so far, in the order they happened.
    var errors: [any Error] { state.withLock { $0.errors } }

    func checkOpen() throws(TractorError) {
        let phase = state.withLock { $0.phase }
        switch phase {
        case .open: return
        case .closing: throw TractorError(.scopeClosed, "the actor nursery is closing; no new actor can start")
        case .cancelling: throw TractorError(.scopeClosed, "the actor nursery is cancelled; no new actor can start")
        }
    }

    func add(_ child: ChildActor) throws(TractorError) {
        try state.withLock { (state) throws(TractorError) in
            guard state.phase == .open else {
                throw TractorError(.scopeClosed, "the actor nursery closed while actor \(child.id) was starting")
            }
            state.living[child.id.uid] = child
        }
    }

    func addRunner<Output>(_ task: Task<Output, any Error>, for child: ChildActor) {
        let runner = Runner(cancel: { task.cancel() }, wait: { _ = await task.result })
        let cancelNow = state.withLock { state -> Bool in
            state.runners[child.id.uid] = runner
            return state.phase == .cancelling
        }
        if cancelNow { runner.cancel() }
    }

    /// A job or an actor failed: record the error, and cancel everything if it is the nursery's first.
    ///
    /// Errors that are only the echo of a cancellation already under way are not recorded.
    func jobFailed(_ error: any Error) {
        if error is CancellationError { return }
        if let error = error as? TractorError, error.code == .cancelled { return }
        let first = state.withLock { state -> Bool in
            state.errors.append(error)
            return state.errors.count == 1
        }
        if first {
            Task { await cancelAll(failing: true) }
        }
    }

    /// An actor's process exited (and was reaped).
    func childExited(_ child: ChildActor, status: TerminationStatus) {
        let expected = child.teardownRequested
        let jobs = child.connection.jobsInFlight
        if expected {
            child.connection.failCalls(with: TractorError(.cancelled, "actor \(child.id) was cancelled"))
        } else {
            let running = jobs.isEmpty ? "unexpectedly" : "while running job " + jobs.map { "'\($0)'" }.joined(separator: ", ")
            let error = TractorError(.actorCrashed, "actor \(child.id) \(status) \(running)")
            child.connection.failCalls(with: error)
            if let unexpectedExitHandler {
                unexpectedExitHandler(child.id, status)
            } else {
                jobFailed(error)
            }
        }
        child.connection.channel.close()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.living.removeValue(forKey: child.id.uid)
            state.runners.removeValue(forKey: child.id.uid)
            guard state.living.isEmpty else { return [] }
            let waiters = state.emptyWaiters
            state.emptyWaiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Cancels every job and tears every actor down; returns when all are reaped.
    ///
    /// - Parameter failing: Whether a failure caused it (the scope's body is then cancelled too).
    func cancelAll(failing: Bool) async {
        let (children, runners, waiter) = state.withLock { state in
            if failing { state.phase = .cancelling }
            let waiter = failing ? state.failureWaiter : nil
            if failing { state.failureWaiter = nil }
            return (Array(state.living.values), Array(state.runners.values), waiter)
        }
        waiter?.resume()
        for runner in runners { runner.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for child in children {
                group.addTask { await child.tearDown() }
            }
        }
    }

    /// Returns when the nursery fails (or the waiting task is cancelled).
    func waitForFailure() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.phase == .cancelling || Task.isCancelled { return true }
                    state.failureWaiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in
                let waiter = state.failureWaiter
                state.failureWaiter = nil
                return waiter
            }?.resume()
        }
    }

    /// The body is done: wait for every `runInActor` job, then cancel the daemons, then wait until all are reaped.
    func close(cancelling: Bool) async {
        let runners = state.withLock { state -> [Runner] in
            if state.phase == .open { state.phase = .closing }
            return Array(state.runners.values)
        }
        if cancelling {
            await cancelAll(failing: false)
        } else {
            for runner in runners { await runner.wait() }
            await cancelAll(failing: false)
        }
        await waitUntilEmpty()
        state.withLock { $0.phase = .cancelling }
    }

    private func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty = state.withLock { state -> Bool in
                if state.living.isEmpty { return true }
                state.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
    }
}
