//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging
import Synchronization

/// The process side of a nursery's actor that runs beneath a host agent: stopped through its agent, and ended when its
/// connection to the head closes or its host is lost.
///
/// It ends once (``end(_:)``); the handlers given to ``onEnd(_:)`` then hear why, in words that name the host.
package final class RemoteActorProcess: ActorProcess {
    /// The host the actor runs on.
    package let host: RemoteHost
    /// The actor.
    package let actor: ActorID
    private let state = Mutex<(ended: String?, handlers: [@Sendable (String) -> Void])>((nil, []))

    init(host: RemoteHost, actor: ActorID) {
        self.host = host
        self.actor = actor
    }

    package var hasEnded: Bool { state.withLock { $0.ended != nil } }

    /// Why the actor ended, once it has.
    package var ending: String? { state.withLock { $0.ended } }

    /// Ends the actor (once): every handler of ``onEnd(_:)`` hears `reason`.
    package func end(_ reason: String) {
        let handlers = state.withLock { state -> [@Sendable (String) -> Void] in
            guard state.ended == nil else { return [] }
            state.ended = reason
            defer { state.handlers.removeAll() }
            return state.handlers
        }
        for handler in handlers { handler(reason) }
    }

    /// Calls `handler` with the reason once the actor has ended; at once if it has.
    package func onEnd(_ handler: @escaping @Sendable (String) -> Void) {
        let ended = state.withLock { state -> String? in
            if state.ended == nil { state.handlers.append(handler) }
            return state.ended
        }
        if let ended { handler(ended) }
    }

    /// Asks the actor's agent to send `signal` to it (in the background: the agent signals it as its parent). Does
    /// nothing once the actor has ended or its host is lost (its agent took it down). The teardown ladder
    /// (``runLadder(id:connection:policy:logger:)``) stops it through its agent.
    package func signal(_ signal: CInt) {
        guard !hasEnded, host.isConnected else { return }
        Task { [host, actor] in _ = try? await host.signalActor(actor, signal) }
    }

    /// Asks the agent to run its cancellation ladder on the actor (``RemoteHost/stopActor(_:)``) and waits for its
    /// outcome. An actor whose host was lost died with its agent (`PR_SET_PDEATHSIG`, SIGKILL): that is its outcome.
    package func runLadder(
        id: ActorID, connection: PeerConnection, policy: TeardownPolicy, logger: Logger
    ) async -> TeardownOutcome {
        let lost = TeardownOutcome(step: .alreadyExited, status: TerminationStatus(.signaled(SIGKILL)))
        defer {
            end("it was stopped through its agent on host '\(host.name)'")
            connection.channel.close()
        }
        guard !host.connection.channel.isClosed else { return lost }
        logger.debug("tearing down actor \(id) on host '\(host.name)' through its agent")
        // The calls the agent's ladder cancels end cancelled by this side, which asked for it, as a local child's do.
        connection.notePeerCancelRequested()
        do {
            // In a task of its own: the ladder's caller may be cancelled, the ladder must run to its end.
            return try await Task { [host, actor] in try await host.stopActor(actor) }.value
        } catch {
            logger.debug("the agent of host '\(host.name)' could not stop actor \(id): \(error)")
            return lost
        }
    }
}

/// What the head does when an actor's TCP connection closes, or the actor sends a message about itself (`error(nil,
/// …)`, `cancelAck(nil)`), by the actor's uid: a nursery that adopted the actor fails its calls with an error naming
/// its host, and hears its messages as a local child's; any other connection fails its calls with the channel's
/// reason, and its actor-level messages are ignored.
final class ClosedHandlers: Sendable {
    private let handlers = Mutex<[String: @Sendable (PeerConnection, TractorError) -> Void]>([:])
    private let messageHandlers = Mutex<[String: @Sendable (Message) -> Void]>([:])

    func set(_ uid: String, _ handler: @escaping @Sendable (PeerConnection, TractorError) -> Void) {
        handlers.withLock { $0[uid] = handler }
    }

    /// Hands the actor-level messages of the actor `uid` to `handler`, until its connection closes.
    func setActorMessageHandler(_ uid: String, _ handler: @escaping @Sendable (Message) -> Void) {
        messageHandlers.withLock { $0[uid] = handler }
    }

    func closed(_ connection: PeerConnection, _ reason: TractorError) {
        let handler = handlers.withLock { $0.removeValue(forKey: connection.remote.uid) }
        _ = messageHandlers.withLock { $0.removeValue(forKey: connection.remote.uid) }
        if let handler { handler(connection, reason) } else { connection.failCalls(with: reason) }
    }

    func actorMessage(_ connection: PeerConnection, _ message: Message) {
        messageHandlers.withLock { $0[connection.remote.uid] }?(message)
    }
}

/// How an actor beneath an agent ended, as the agent's `stop` job answers it.
struct RemoteTeardownOutcome: Sendable, Codable {
    var step: String
    var exitCode: Int32?
    var signal: Int32?

    init(_ outcome: TeardownOutcome) {
        step = outcome.step.description
        switch outcome.status.kind {
        case .exited(let code): exitCode = code
        case .signaled(let signal): self.signal = signal
        }
    }

    /// The outcome, or `nil` for an unknown step.
    var outcome: TeardownOutcome? {
        let steps: [TeardownOutcome.Step] = [.alreadyExited, .cancelled, .terminated, .killed]
        guard let step = steps.first(where: { $0.description == self.step }) else { return nil }
        if let exitCode { return TeardownOutcome(step: step, status: TerminationStatus(.exited(exitCode))) }
        guard let signal else { return nil }
        return TeardownOutcome(step: step, status: TerminationStatus(.signaled(signal)))
    }
}
