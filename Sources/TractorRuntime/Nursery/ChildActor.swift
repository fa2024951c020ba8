//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging
import Synchronization

/// The process side of an actor of a nursery: a child process of this one (``ChildProcess``), or an actor beneath a
/// host agent (``RemoteActorProcess``). The nursery supervises both alike; only the ladder and the signals differ.
package protocol ActorProcess: Sendable {
    /// Whether the actor has ended (exited and been reaped, or been lost with its connection or its host).
    var hasEnded: Bool { get }

    /// Sends `signal` to the actor's process, where this process can: a remote actor is stopped through its agent.
    func signal(_ signal: CInt)

    /// Runs the cancellation ladder on the actor reached over `connection`, once, and returns how it ended.
    func runLadder(id: ActorID, connection: PeerConnection, policy: TeardownPolicy, logger: Logger) async
        -> TeardownOutcome
}

/// One actor started by a nursery: its process side, its connection, and its cancellation ladder.
package final class ChildActor: Sendable {
    package let id: ActorID
    package let process: any ActorProcess
    package let connection: PeerConnection
    private let policy: TeardownPolicy
    /// The logger of the nursery that started it.
    package let logger: Logger
    private let state = Mutex(State())
    /// Set when the actor says a peer of the tree cancelled it (an unasked `cancelAck(nil)`).
    package let cancelledByPeer: CancelledByPeer

    private struct State: ~Copyable {
        var teardown: Task<TeardownOutcome, Never>?
    }

    package init(
        id: ActorID,
        process: any ActorProcess,
        connection: PeerConnection,
        policy: TeardownPolicy,
        logger: Logger,
        cancelledByPeer: CancelledByPeer = CancelledByPeer()
    ) {
        self.id = id
        self.process = process
        self.connection = connection
        self.policy = policy
        self.logger = logger
        self.cancelledByPeer = cancelledByPeer
    }

    /// Whether its exit is expected: someone asked it to stop, here or (through a peer's cancel) elsewhere in the
    /// tree.
    package var exitExpected: Bool { teardownRequested || cancelledByPeer.isMarked }

    /// Whether someone asked this actor to stop (its exit is then expected).
    package var teardownRequested: Bool { state.withLock { $0.teardown != nil } }

    /// Runs the ladder once (later calls wait for the same outcome): `cancel` → wait → SIGTERM → wait → SIGKILL →
    /// reap. Runs in its own task, so cancelling the caller does not cut it short.
    @discardableResult
    package func tearDown() async -> TeardownOutcome {
        await beginTearDown().task.value
    }

    /// Starts the ladder unless it has started, without waiting for it.
    ///
    /// The ladder runs in a task of its own (an uncancelled one: a cancelled caller must not cut it short) whose
    /// handle this actor keeps: ``tearDown()`` awaits it, and a nursery awaits the teardown of every actor it began
    /// to tear down before it closes (see `NurserySupervisor.beginTearDown(_:)`).
    ///
    /// - Parameter finished: Called at the end of the ladder's task, if this call starts it.
    /// - Returns: The ladder's task, and whether this call started it.
    package func beginTearDown(
        finished: (@Sendable () -> Void)? = nil
    ) -> (task: Task<TeardownOutcome, Never>, started: Bool) {
        state.withLock { state in
            if let task = state.teardown { return (task, false) }
            let task = Task { [id, process, connection, policy, logger] in
                defer { finished?() }
                let outcome = await process.runLadder(id: id, connection: connection, policy: policy, logger: logger)
                logger.debug("teardown of actor \(id) ended: \(outcome)")
                return outcome
            }
            state.teardown = task
            return (task, true)
        }
    }

}

extension ChildProcess: ActorProcess {
    package var hasEnded: Bool { status != nil }

    /// `cancel` → wait → SIGTERM → wait → SIGKILL → reap.
    package func runLadder(
        id: ActorID, connection: PeerConnection, policy: TeardownPolicy, logger: Logger
    ) async -> TeardownOutcome {
        let process = self
        if let status = process.status { return TeardownOutcome(step: .alreadyExited, status: status) }
        logger.debug("tearing down actor \(id): cancel, then up to \(policy.cancelGrace) for it to exit")
        try? connection.sendActorMessage(.cancel(cid: nil))
        if let status = await process.waitForExit(timeout: policy.cancelGrace) {
            return TeardownOutcome(step: .cancelled, status: status)
        }
        logger.debug(
            "actor \(id) still runs \(policy.cancelGrace) after cancel: SIGTERM, then up to \(policy.terminateGrace)"
        )
        process.signal(SIGTERM)
        if let status = await process.waitForExit(timeout: policy.terminateGrace) {
            return TeardownOutcome(step: .terminated, status: status)
        }
        logger.debug("actor \(id) still runs \(policy.terminateGrace) after SIGTERM: SIGKILL")
        process.signal(SIGKILL)
        let status = await process.waitForExit(timeout: nil) ?? TerminationStatus(.signaled(SIGKILL))
        return TeardownOutcome(step: .killed, status: status)
    }
}

/// A flag the child's connection sets when the actor reports that a peer of the tree cancelled it.
package final class CancelledByPeer: Sendable {
    private let flag = Atomic<Bool>(false)

    package init() {}

    package func mark() { flag.store(true, ordering: .releasing) }

    package var isMarked: Bool { flag.load(ordering: .acquiring) }
}
