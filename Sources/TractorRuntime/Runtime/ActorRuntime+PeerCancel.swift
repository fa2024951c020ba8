//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

// Cancelling a peer: an actor of the tree that is not this process's child (found through the registry, say) is
// asked to cancel with `cancel(nil)` over the connection to it. It cancels every job it serves, naming the asker as
// their canceller (so every caller's `ContextCancelled` says who), acknowledges with `cancelAck(nil)` to the asker and
// to its parent (whose nursery then counts the exit as a cancellation, not a crash), and exits. The root of a tree
// refuses with `error(nil, …)`: only its own program ends it.

/// How a peer answered a cancel request.
private enum PeerCancelAnswer: Sendable {
    case acknowledged
    case refused(RemoteErrorInfo)
    case failed(any Error)
}

private struct PeerCancelWaiter {
    var id: Int
    var connection: ObjectIdentifier
    var continuation: CheckedContinuation<PeerCancelAnswer, Never>
}

/// The tasks waiting for a peer to answer the cancel they asked for.
private let peerCancelWaiters = Mutex<(nextID: Int, waiters: [PeerCancelWaiter])>((0, []))

/// Resumes the waiters on `connection` (or the one numbered `id`) with `answer`.
private func answerPeerCancel(on connection: ObjectIdentifier? = nil, id: Int? = nil, _ answer: PeerCancelAnswer) {
    let resumed = peerCancelWaiters.withLock { table -> [PeerCancelWaiter] in
        let matching = table.waiters.filter { $0.connection == connection || $0.id == id }
        table.waiters.removeAll { $0.connection == connection || $0.id == id }
        return matching
    }
    for waiter in resumed { waiter.continuation.resume(returning: answer) }
}

extension ActorRuntime {
    /// The events of a connection between two actors of the tree that are not parent and child: a peer's cancel
    /// request, and the answers to this side's.
    func treeConnectionEvents() -> PeerConnection.Events {
        var events = PeerConnection.Events()
        events.actorMessage = { connection, message in
            switch message {
            case .cancel(nil): peerAskedToCancel(over: connection)
            case .cancelAck(nil): answerPeerCancel(on: ObjectIdentifier(connection), .acknowledged)
            case .error(nil, let info): answerPeerCancel(on: ObjectIdentifier(connection), .refused(info))
            default: break
            }
        }
        events.closed = { connection, reason in
            connection.failCalls(with: reason)
            answerPeerCancel(on: ObjectIdentifier(connection), .failed(reason))
        }
        return events
    }

    /// Asks the actor at the other end of `connection` to cancel, and waits at most `grace` for its acknowledgement.
    func cancelPeer(over connection: PeerConnection, within grace: Duration) async throws -> TeardownOutcome {
        let key = ObjectIdentifier(connection)
        let id = peerCancelWaiters.withLock { table in
            defer { table.nextID += 1 }
            return table.nextID
        }
        let answer = try await withTimeout(grace) {
            await withCheckedContinuation { (continuation: CheckedContinuation<PeerCancelAnswer, Never>) in
                peerCancelWaiters.withLock { $0.waiters.append(PeerCancelWaiter(id: id, connection: key, continuation: continuation)) }
                do {
                    try connection.sendActorMessage(.cancel(cid: nil))
                } catch {
                    answerPeerCancel(id: id, .failed(error))
                }
            }
        } onTimeout: {
            answerPeerCancel(id: id, .failed(CancellationError()))
        }
        switch answer {
        case .acknowledged:
            // It exits with status 0 once its acknowledgement is out.
            return TeardownOutcome(step: .cancelled, status: TerminationStatus(.exited(0)))
        case .refused(let info):
            throw RemoteActorError(info)
        case .failed(let error):
            throw TractorError(
                .channelClosed,
                "actor \(connection.remote) went away before it acknowledged the cancellation",
                cause: error
            )
        }
    }
}
