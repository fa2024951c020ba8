//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// One actor process started by a nursery: the process, its connection, and its cancellation ladder.
package final class ChildActor: Sendable {
    package let id: ActorID
    package let process: ChildProcess
    package let connection: PeerConnection
    private let policy: TeardownPolicy
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var teardown: Task<TeardownOutcome, Never>?
    }

    package init(id: ActorID, process: ChildProcess, connection: PeerConnection, policy: TeardownPolicy) {
        self.id = id
        self.process = process
        self.connection = connection
        self.policy = policy
    }

    /// Whether someone asked this actor to stop (its exit is then expected).
    package var teardownRequested: Bool { state.withLock { $0.teardown != nil } }

    /// Runs the ladder once (later calls wait for the same outcome): `cancel` → wait → SIGTERM → wait → SIGKILL →
    /// reap. Runs in its own task, so cancelling the caller does not cut it short.
    @discardableResult
    package func tearDown() async -> TeardownOutcome {
        let task = state.withLock { state -> Task<TeardownOutcome, Never> in
            if let task = state.teardown { return task }
            let task = Task { [process, connection, policy] in
                await Self.runLadder(process: process, connection: connection, policy: policy)
            }
            state.teardown = task
            return task
        }
        return await task.value
    }

    private static func runLadder(
        process: ChildProcess,
        connection: PeerConnection,
        policy: TeardownPolicy
    ) async -> TeardownOutcome {
        if let status = process.status { return TeardownOutcome(step: .alreadyExited, status: status) }
        try? connection.sendActorMessage(.cancel(cid: nil))
        if let status = await process.waitForExit(timeout: policy.cancelGrace) {
            return TeardownOutcome(step: .cancelled, status: status)
        }
        process.signal(SIGTERM)
        if let status = await process.waitForExit(timeout: policy.terminateGrace) {
            return TeardownOutcome(step: .terminated, status: status)
        }
        process.signal(SIGKILL)
        let status = await process.waitForExit(timeout: nil) ?? TerminationStatus(.signaled(SIGKILL))
        return TeardownOutcome(step: .killed, status: status)
    }
}
