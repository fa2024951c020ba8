//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The shell around a ``NurseryStateMachine``: holds it under a lock and performs what it decides — tearing actors
/// down, cancelling jobs, resuming the scope — outside the lock.
final class NurserySupervisor: Sendable {
    struct Runner: Sendable {
        var cancel: @Sendable () -> Void
        var wait: @Sendable () async -> Void
    }

    private typealias Machine = NurseryStateMachine<ChildActor, Runner, CheckedContinuation<Void, Never>>

    private let machine = Mutex(Machine())
    private let unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)?

    init(unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)? = nil) {
        self.unexpectedExitHandler = unexpectedExitHandler
    }

    /// The actors alive now.
    var living: [ChildActor] { machine.withLock { $0.children } }

    /// The errors recorded so far, in the order they happened.
    var errors: [any Error] { machine.withLock { $0.errors } }

    func checkOpen() throws(TractorError) {
        if let refusal = machine.withLock({ $0.refusal }) { throw refusal }
    }

    func add(_ child: ChildActor) throws(TractorError) {
        if let refusal = machine.withLock({ $0.admit(child.id.uid, child) }) {
            throw TractorError(.scopeClosed, "actor \(child.id) finished starting too late: \(refusal.message)")
        }
    }

    /// A child process exists and is handshaking; `stop` kills it if the nursery is cancelled meanwhile.
    func startedProcess(_ uid: String, stop: @escaping @Sendable () -> Void) {
        let runner = Runner(cancel: stop, wait: {})
        machine.withLock { $0.startedProcess(uid, stop: runner) }?.cancel()
    }

    /// The child finished starting, whether it joined the nursery or not (then it has been reaped).
    func finishedStarting(_ uid: String) {
        for waiter in machine.withLock({ $0.finishedStarting(uid) }) { waiter.resume() }
    }

    func addRunner<Output>(_ task: Task<Output, any Error>, for child: ChildActor) {
        let runner = Runner(cancel: { task.cancel() }, wait: { _ = await task.result })
        machine.withLock { $0.addRunner(child.id.uid, runner) }?.cancel()
    }

    /// A job or an actor failed: record the error, and cancel everything if it is the nursery's first.
    func jobFailed(_ error: any Error) {
        if machine.withLock({ $0.failed(error) }) {
            Task { await cancelAll(failing: true) }
        }
    }

    /// An actor's process exited (and was reaped).
    func childExited(_ child: ChildActor, status: TerminationStatus) {
        if child.teardownRequested {
            child.connection.failCalls(with: TractorError(.cancelled, "actor \(child.id) was cancelled"))
        } else {
            let jobs = child.connection.jobsInFlight
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
        for waiter in machine.withLock({ $0.exited(child.id.uid) }) { waiter.resume() }
    }

    /// Cancels every job and tears every actor down; returns when all are reaped.
    ///
    /// - Parameter failing: Whether a failure caused it (the scope's body is then cancelled too).
    func cancelAll(failing: Bool) async {
        let cancellation = machine.withLock { $0.cancelAll(failing: failing) }
        cancellation.failureWaiter?.resume()
        for runner in cancellation.runners { runner.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for child in cancellation.children {
                group.addTask { await child.tearDown() }
            }
        }
    }

    /// Returns when the nursery fails (or the waiting task is cancelled).
    func waitForFailure() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock: cancellation sets the flag before its handler takes the lock.
                machine.withLock { machine in
                    Task.isCancelled ? continuation : machine.waitForFailure(continuation)
                }?.resume()
            }
        } onCancel: {
            machine.withLock { $0.stopWaitingForFailure() }?.resume()
        }
    }

    /// The body is done: wait for every `runInActor` job (unless `cancelling`), cancel what is left, and wait until
    /// every actor is reaped.
    func close(cancelling: Bool) async {
        let runners = machine.withLock { $0.beginClosing() }
        if !cancelling {
            for runner in runners { await runner.wait() }
        }
        await cancelAll(failing: false)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            machine.withLock { $0.waitUntilEmpty(continuation) }?.resume()
        }
        machine.withLock { $0.finish() }
    }
}
