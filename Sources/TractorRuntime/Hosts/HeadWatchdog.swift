//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

/// An agent's view of its head: when it last heard a heartbeat, and how long a silence loses the head.
///
/// The head's heartbeats say how long that is (``HeartbeatRequest/silenceLimitMilliseconds``), so that the two sides
/// never disagree on it; until the first one arrives, the agent's own ``TCPConfiguration/hostSilenceLimit`` holds.
final class HeadWatchdog: Sendable {
    private struct State {
        var lastHeard: ContinuousClock.Instant = .now
        var silenceLimit: Duration
        var lost: String?
    }

    private let state: Mutex<State>

    init(silenceLimit: Duration) {
        state = Mutex(State(silenceLimit: silenceLimit))
    }

    /// Sets the silence limit that holds until the head's first heartbeat says its own.
    func setSilenceLimit(_ limit: Duration) {
        state.withLock { $0.silenceLimit = limit }
    }

    /// The head's heartbeat arrived now.
    func heard(_ request: HeartbeatRequest) {
        state.withLock { state in
            state.lastHeard = .now
            if request.silenceLimitMilliseconds > 0 {
                state.silenceLimit = .milliseconds(request.silenceLimitMilliseconds)
            }
        }
    }

    /// Why the head was given up, once it was.
    var lost: String? { state.withLock { $0.lost } }

    /// Gives the head up if it has been silent past the limit (once).
    ///
    /// - Returns: The reason, when this call gave it up.
    func checkSilence() -> String? {
        state.withLock { state -> String? in
            let silence = ContinuousClock.now - state.lastHeard
            guard state.lost == nil, silence >= state.silenceLimit else { return nil }
            let limit = RemoteHost.seconds(state.silenceLimit)
            let reason = "silent for \(RemoteHost.seconds(silence)) (the limit is \(limit))"
            state.lost = reason
            return reason
        }
    }

    /// Gives the head up for `reason`, unless it was given up already.
    func lose(_ reason: String) {
        state.withLock { state in
            if state.lost == nil { state.lost = reason }
        }
    }

    /// Waits until the head's connection closes, closing it first if the head falls silent past the limit.
    ///
    /// - Returns: Why the head was lost, or `nil` when it closed the connection in order (end of stream).
    func watch(_ head: PeerConnection, logger: Logger) async -> String? {
        // The silence counts from the join, not from the attempts to reach the head before it.
        state.withLock { $0.lastHeard = .now }
        let watching = Task {
            while !Task.isCancelled {
                if let reason = checkSilence() {
                    logger.warning("the head was \(reason): giving it up")
                    head.channel.close()
                    return
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        await withCheckedContinuation { (closed: CheckedContinuation<Void, Never>) in
            head.channel.attachCloseObserver { closed.resume() }
        }
        watching.cancel()
        if let lost { return lost }
        // A failed read or write (reset, `TCP_USER_TIMEOUT`, keepalive) carries its errno as the cause; the end of
        // the stream carries none.
        guard let reason = head.channel.closeReason, reason.cause != nil else { return nil }
        lose("its connection failed (\(reason.message))")
        return lost
    }
}
