//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

/// The head's verdict on one host: alive until it is lost, and lost once.
///
/// A host is lost when its agent has not answered a heartbeat for ``TCPConfiguration/hostSilenceLimit``, or when its
/// agent's connection closes (end of stream, reset, `TCP_USER_TIMEOUT`, keepalive). The verdict is a
/// ``TractorError`` `.hostLost` whose message names the host and the reason; whoever asked to hear of it
/// (``onLost(_:)``) hears it once, then every call in flight to the host's agent and actors fails with it and their
/// connections close.
final class HostLiveness: Sendable {
    private struct State {
        var lastHeard: ContinuousClock.Instant
        var verdict: TractorError?
        var handlers: [UInt64: @Sendable (TractorError) -> Void] = [:]
        var nextHandler: UInt64 = 0
        var actors: [ObjectIdentifier: PeerConnection] = [:]
    }

    private let state: Mutex<State>

    init() {
        state = Mutex(State(lastHeard: .now))
    }

    /// The verdict, once the host is lost.
    var verdict: TractorError? { state.withLock { $0.verdict } }

    /// How long ago the host was last heard.
    var silence: Duration { .now - state.withLock { $0.lastHeard } }

    /// The host answered a heartbeat now.
    func heard() {
        heard(at: .now)
    }

    /// The host was alive at `instant`.
    func heard(at instant: ContinuousClock.Instant) {
        state.withLock { $0.lastHeard = max($0.lastHeard, instant) }
    }

    /// Calls `handler` with the verdict once the host is lost; at once if it is.
    ///
    /// - Returns: A token for ``removeHandler(_:)``.
    @discardableResult
    func onLost(_ handler: @escaping @Sendable (TractorError) -> Void) -> UInt64 {
        let (token, verdict) = state.withLock { state -> (UInt64, TractorError?) in
            state.nextHandler += 1
            if state.verdict == nil { state.handlers[state.nextHandler] = handler }
            return (state.nextHandler, state.verdict)
        }
        if let verdict { handler(verdict) }
        return token
    }

    /// Forgets a handler of ``onLost(_:)`` that need not hear the verdict any more.
    func removeHandler(_ token: UInt64) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }

    /// Keeps an actor's connection until it closes, to fail its calls and close it when the host is lost; at once if
    /// it is.
    func add(_ actor: PeerConnection) {
        let key = ObjectIdentifier(actor)
        let verdict = state.withLock { state -> TractorError? in
            if state.verdict == nil { state.actors[key] = actor }
            return state.verdict
        }
        if let verdict {
            Self.fail(actor, with: verdict)
            return
        }
        actor.channel.attachCloseObserver { [self] in _ = state.withLock { $0.actors.removeValue(forKey: key) } }
    }

    /// Declares the host lost (the first time only): `announce` hears the verdict, then the handlers, then the agent's
    /// and the actors' calls fail with it and their connections close.
    ///
    /// - Returns: The verdict when this call made it, `nil` when the host was lost already.
    @discardableResult
    func declareLost(
        _ verdict: TractorError, agent: PeerConnection, announce: (TractorError) -> Void = { _ in }
    ) -> TractorError? {
        typealias Taken = (handlers: [@Sendable (TractorError) -> Void], actors: [PeerConnection])
        let taken = state.withLock { state -> Taken? in
            guard state.verdict == nil else { return nil }
            state.verdict = verdict
            defer {
                state.handlers.removeAll()
                state.actors.removeAll()
            }
            return (state.handlers.sorted { $0.key < $1.key }.map(\.value), Array(state.actors.values))
        }
        guard let taken else { return nil }
        announce(verdict)
        // Owners first (a nursery ends its actor with the verdict before the calls fail), then the connections.
        for handler in taken.handlers { handler(verdict) }
        Self.fail(agent, with: verdict)
        for actor in taken.actors { Self.fail(actor, with: verdict) }
        return verdict
    }

    private static func fail(_ connection: PeerConnection, with verdict: TractorError) {
        connection.failCalls(with: verdict)
        connection.channel.close()
    }
}

/// What a head's heartbeat tells an agent: how often the head asks, and how long a silence means it is lost.
struct HeartbeatRequest: Sendable, Codable {
    /// The head's heartbeat interval, in milliseconds.
    var intervalMilliseconds: Int64
    /// The silence after which either side gives the other up, in milliseconds.
    var silenceLimitMilliseconds: Int64
}

extension RemoteHost {
    /// Watches the host until it is lost: a heartbeat every `interval` (each in a task of its own, so that a slow
    /// answer never delays the next one), and the verdict once no answer came for `silenceLimit`.
    ///
    /// - Returns: The watching task; it ends with the verdict.
    func watch(interval: Duration, silenceLimit: Duration, logger: Logger) -> Task<Void, Never> {
        let request = HeartbeatRequest(
            intervalMilliseconds: interval.nanosecondsClamped / 1_000_000,
            silenceLimitMilliseconds: silenceLimit.nanosecondsClamped / 1_000_000
        )
        let payload = (try? MessagePackEncoder().encode(request)) ?? []
        let check = min(interval, .milliseconds(250))
        return Task { [self] in
            var nextBeat = ContinuousClock.now
            // When each heartbeat still unanswered was sent, oldest first.
            var sent: [ContinuousClock.Instant] = []
            while liveness.verdict == nil {
                // The heartbeats in flight are the newest ones: the newest one answered was sent while the agent was
                // alive. This holds even when the tasks that note the answers have not run yet (a busy head), so that
                // a head short of threads does not take its own delay for the agent's silence.
                let unanswered = connection.jobsInFlight.count { $0 == HostAgentJobs.heartbeat }
                let answered = sent.count - min(unanswered, sent.count)
                if answered > 0 {
                    liveness.heard(at: sent[answered - 1])
                    sent.removeFirst(answered)
                }
                let silence = liveness.silence
                if silence >= silenceLimit {
                    let limit = Self.seconds(silenceLimit)
                    declareLost("silent for \(Self.seconds(silence)) (the limit is \(limit))", logger: logger)
                    return
                }
                if ContinuousClock.now >= nextBeat {
                    nextBeat = .now + interval
                    sent.append(.now)
                    // Immediate: the call is in flight when this returns (it suspends once sent).
                    Task.immediate { [self] in
                        if (try? await connection.call(job: HostAgentJobs.heartbeat, payload: payload)) != nil {
                            liveness.heard()
                        }
                    }
                }
                try? await Task.sleep(for: check)
            }
        }
    }

    /// Declares the host lost for `reason` (once; later calls do nothing) and logs the verdict.
    func declareLost(_ reason: String, logger: Logger) {
        let verdict = TractorError(
            .hostLost, "host '\(name)' (incarnation \(description.incarnation)) was lost: \(reason)"
        )
        liveness.declareLost(verdict, agent: connection) { logger.warning("\($0.message)") }
    }

    /// `5.0 s`: a duration in seconds with one decimal.
    static func seconds(_ duration: Duration) -> String {
        let tenths = Int((Double(duration.nanosecondsClamped) / 100_000_000).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
