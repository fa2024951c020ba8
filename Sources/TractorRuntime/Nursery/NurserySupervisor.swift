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

    private let machine: Mutex<Machine>
    private let unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)?
    /// The teardown ladders begun without a waiter and still running, by actor (see ``beginTearDown(_:)``).
    private let teardowns = Mutex<[ObjectIdentifier: Task<TeardownOutcome, Never>]>([:])

    /// - Parameter local: This process's actor, the parent of the nursery's actors.
    init(local: ActorID, unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)? = nil) {
        self.machine = Mutex(Machine(local: local))
        self.unexpectedExitHandler = unexpectedExitHandler
    }

    /// The actors alive now.
    var living: [ChildActor] { machine.withLock { $0.children } }

    /// The errors recorded so far, one per failed actor, in the order they happened.
    var errors: [any Error] { machine.withLock { $0.errors } }

    /// The errors the scope throws when its body ended with `outcome`: the body's own error first, unless it only
    /// echoes the failures recorded (see ``NurseryStateMachine/bodyErrorEchoesFailures(_:)``), then every failure.
    func scopeErrors<Result>(after outcome: Swift.Result<Result, any Error>) -> [any Error] {
        machine.withLock { machine in
            var errors = machine.errors
            if case .failure(let error) = outcome, !machine.bodyErrorEchoesFailures(error) {
                errors.insert(error, at: 0)
            }
            return errors
        }
    }

    /// How many times the nursery was cancelled so far; see ``startFailure(_:of:cancellationsBefore:)``.
    var cancellations: Int { machine.withLock { $0.cancellations } }

    /// The error to throw for an actor `name` that failed to start, having begun when ``cancellations`` was
    /// `cancellationsBefore`: a start that the nursery's cancellation stopped (it kills a starting process) is a
    /// cancellation, not a spawn failure.
    func startFailure(_ error: any Error, of name: String, cancellationsBefore: Int) -> any Error {
        guard cancellations != cancellationsBefore, !(error is CancellationError) else { return error }
        if let error = error as? TractorError, error.code == .cancelled { return error }
        return TractorError(.cancelled, "actor '\(name)' was stopped while starting: its nursery was cancelled",
                            cause: error)
    }

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

    /// The task of `child`'s `runInActor` job finished, after recording its failure if it had one.
    func runnerFinished(for child: ChildActor) {
        machine.withLock { $0.runnerFinished(child.id.uid) }
    }

    /// The actor `actor` failed: record the error unless the actor already failed, and cancel everything if it is the
    /// nursery's first failure.
    func failed(_ actor: ActorID, _ error: any Error) {
        if record(actor, error) { cancelAllFailing() }
    }

    /// Records the failure; returns whether it is the nursery's first (see ``cancelAllFailing()``).
    private func record(_ actor: ActorID, _ error: any Error) -> Bool {
        machine.withLock { $0.failed(error, actor: actor.uid) }
    }

    /// Cancels everything after the nursery's first failure, without waiting (see ``beginCancellingAll(failing:)``).
    private func cancelAllFailing() {
        beginCancellingAll(failing: true)
    }

    /// Starts `child`'s teardown without waiting for it. Its ladder's task is kept until it ends, and
    /// ``close(cancelling:)`` awaits every one still running, so that no ladder outlives the nursery.
    func beginTearDown(_ child: ChildActor) {
        let key = ObjectIdentifier(child)
        let (task, started) = child.beginTearDown { [self] in
            _ = teardowns.withLock { $0.removeValue(forKey: key) }
        }
        // A ladder that ended before this line leaves its task here; `close` then awaits a finished task.
        if started { teardowns.withLock { $0[key] = task } }
    }

    /// An error an actor of this nursery sent: recorded as the failure of the child it came from (its source, or the
    /// last actor that relayed it here).
    func jobFailed(_ error: RemoteActorError) {
        failed(error.relayPath.last ?? error.source, error)
    }

    /// An actor's process exited (and was reaped).
    func childExited(_ child: ChildActor, status: TerminationStatus) {
        childEnded(child, status: status) { running in "actor \(child.id) \(status) \(running)" }
    }

    /// An actor ended: a local one exited with `status`, a remote one (no status) was lost. Unless its end was
    /// expected, it is the actor's failure, `.actorCrashed` with the message `describe` makes of what it was running.
    func childEnded(_ child: ChildActor, status: TerminationStatus?, describe: (String) -> String) {
        if child.exitExpected {
            child.connection.failCalls(with: TractorError(.cancelled, "actor \(child.id) was cancelled"))
        } else {
            let jobs = child.connection.jobsInFlight
            let running = jobs.isEmpty ? "unexpectedly" : "while running job " + jobs.map { "'\($0)'" }.joined(separator: ", ")
            let error = TractorError(.actorCrashed, describe(running))
            child.logger.debug("\(error.message)")
            // The owner hears of the death before the calls fail, so that whoever awaited them can already tell
            // why they failed; each call fails with this same error, which the nursery counts once. The calls fail
            // before the nursery's cancellation starts, so that they fail with the death, not with the cancellation.
            var first = false
            if let unexpectedExitHandler, let status {
                unexpectedExitHandler(child.id, status)
            } else {
                first = record(child.id, error)
            }
            child.connection.failCalls(with: error)
            if first { cancelAllFailing() }
        }
        child.connection.channel.close()
        for waiter in machine.withLock({ $0.exited(child.id.uid) }) { waiter.resume() }
    }

    /// Cancels every job and tears every actor down; returns when all are reaped.
    ///
    /// - Parameter failing: Whether a failure caused it (the scope's body is then cancelled too).
    func cancelAll(failing: Bool) async {
        for child in beginCancellingAll(failing: failing) {
            await child.tearDown()
            // The jobs this side served to the child end with its connection: wait for them too.
            await child.connection.waitForServed()
        }
    }

    /// Cancels every job and starts tearing every actor down (all at once), without waiting; ``close(cancelling:)``
    /// awaits the ladders.
    ///
    /// - Parameter failing: Whether a failure caused it (the scope's body is then cancelled too).
    /// - Returns: The actors being torn down.
    @discardableResult
    func beginCancellingAll(failing: Bool) -> [ChildActor] {
        let cancellation = machine.withLock { $0.cancelAll(failing: failing) }
        cancellation.failureWaiter?.resume()
        for runner in cancellation.runners { runner.cancel() }
        for child in cancellation.children { beginTearDown(child) }
        return cancellation.children
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
    /// every actor is reaped and every job has recorded how it ended, so that the errors are complete.
    func close(cancelling: Bool) async {
        let runners = machine.withLock { $0.beginClosing() }
        if !cancelling {
            for runner in runners { await runner.wait() }
        }
        await cancelAll(failing: false)
        // Cancelled or not, each job ends once its actor is gone; one whose answer arrived just before may not have
        // recorded its failure yet.
        for runner in machine.withLock({ $0.unfinishedRunners }) { await runner.wait() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            machine.withLock { $0.waitUntilEmpty(continuation) }?.resume()
        }
        for task in teardowns.withLock({ Array($0.values) }) { _ = await task.value }
        machine.withLock { $0.finish() }
    }
}
