//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A handshaken connection between two actors: calls in both directions, multiplexed by call id.
///
/// Each side may start calls (`start`) and serve the other's. Call ids are odd for calls started by the side that
/// connected and even for the side that accepted, so a `cid` names one call on a connection whichever direction the
/// message travels.
package final class PeerConnection: Sendable {
    package let channel: Channel
    package let local: ActorID
    package let remote: ActorID
    let server: JobTable?
    /// The connection's tables: touched by this type and its extensions (the `PeerConnection+` files) only.
    let state: Mutex<State>
    private let events: Events
    /// When callers poll for their replies before they park.
    let replyPoll = ReplyPoll()
    /// Counts the answers left for callers that had not parked yet: a polling caller watches it change.
    let answersLeft = Atomic<UInt64>(0)
    /// The stream the last small element went to; touched on the loop thread only (see `receivedYield`).
    nonisolated(unsafe) private var lastStream: (cid: UInt64, endpoint: StreamEndpoint)?

    /// What the owner of a connection hears about, on the loop thread.
    package struct Events: Sendable {
        /// A message about the whole actor: `cancel(nil)`, `cancelAck(nil)` or `error(nil, …)`.
        package var actorMessage: @Sendable (PeerConnection, Message) -> Void = { _, _ in }
        /// The channel closed. The owner decides when to fail the calls in flight (see ``failCalls(with:)``).
        package var closed: @Sendable (PeerConnection, TractorError) -> Void = { connection, reason in
            connection.failCalls(with: reason)
        }

        package init() {}
    }

    struct State: ~Copyable {
        var nextCid: UInt64
        var calls: [UInt64: CallWaiter] = [:]
        /// Call ids handed out by `reserveCallID()` whose call has not started: `true` once asked to cancel, so
        /// that the call is cancelled as soon as it starts.
        var reserved: [UInt64: Bool] = [:]
        var serving: [UInt64: ServedCall] = [:]
        /// Tasks waiting until `serving` is empty (see ``PeerConnection/waitForServed()``), by the id each was given.
        var servedWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextServedWaiter: UInt64 = 0
        var streams: [UInt64: StreamEndpoint] = [:]
        /// Every served job was cancelled (the actor is stopping); jobs whose task is made later start cancelled.
        var servedCancelled = false
        /// Who asked for that, when a peer of the tree did: named as the canceller of the jobs it ended.
        var servedCanceller: ActorID?
        /// This side asked the peer to cancel everything (`cancel(nil)`): a cancellation it reports was asked here.
        var peerCancelRequested = false
        var failure: (any Error & Sendable)?
        var remoteHost: String?
    }

    struct CallWaiter {
        /// The parked caller; `nil` until the caller parks (it may poll for its answer first).
        var continuation: CheckedContinuation<Reply, any Error>?
        /// For a batch no task waits for (see ``PeerConnection/startBatch(job:inputs:cid:onAnswer:)``): the hook that
        /// alone hears how the call ended, however it ends; the call leaves the table then.
        var onAnswer: (@Sendable (Result<BatchResults, any Error>) -> Void)?
        var job: String
        /// The error type the job declares, to decode an `error` answer with.
        var errors: ErrorCoding?
        var cancelRequested = false
        /// The answer, when it came before the caller parked; the caller takes it, and the call, from the table.
        var answer: Result<Reply, any Error>?
    }

    /// How a call this side started was answered.
    enum Reply {
        /// `return`: the output of a call, stream or context.
        case value([UInt8])
        /// `batchReturn`: the results of a batch.
        case batch(BatchResults)
    }

    struct ServedCall {
        var task: Task<Void, Never>?
        var cancelRequested = false
    }

    /// Wraps a handshaken channel and starts handling its messages.
    ///
    /// - Parameters:
    ///   - initiator: Whether this side connected (odd call ids) or accepted (even call ids).
    ///   - server: The jobs this side serves to the peer; `nil` serves none.
    ///   - receiving: Whether it handles the peer's messages at once; with `false`, from ``startReceiving()`` on, for
    ///     an owner that must finish setting up before the first call it serves can run.
    package init(
        channel: Channel,
        local: ActorID,
        remote: ActorID,
        initiator: Bool,
        server: JobTable?,
        events: Events = Events(),
        receiving: Bool = true
    ) {
        self.channel = channel
        self.local = local
        self.remote = remote
        self.server = server
        self.events = events
        self.state = Mutex(State(nextCid: initiator ? 1 : 2))
        if receiving { startReceiving() }
    }

    /// Handles the peer's messages from now on (those already received first). Call once, unless the connection was
    /// made receiving.
    package func startReceiving() {
        channel.attach(
            onMessage: { [self] message in handle(message) },
            onYield: { [self] cid, payload in receivedYield(cid: cid, payload: payload) },
            onClose: { [self] reason in
                cancelServed()
                self.events.closed(self, reason)
            }
        )
    }

    /// The host the peer runs on, when it is an actor beneath a host agent: the name that agent joined under; `nil`
    /// for an actor of this host. Every error heard from the peer carries it (``RemoteActorError/host``).
    package var remoteHost: String? {
        get { state.withLock { $0.remoteHost } }
        set { state.withLock { $0.remoteHost = newValue } }
    }

    // MARK: Calling

    /// Runs job `job` in the peer with an encoded input and returns its encoded output.
    ///
    /// Cancelling the calling task sends `cancel`; the call then ends with the peer's answer: `CancellationError` on
    /// `cancelAck`, or the result if the job finished first. An error of the type `errors` declares is thrown as that
    /// type.
    package func call(job: String, payload: [UInt8], errors: ErrorCoding? = nil) async throws -> [UInt8] {
        try await call(job: job, kind: .call, payload: payload, cid: nextCallID(), endpoint: nil, errors: errors,
                       mayPoll: true)
    }

    /// A fresh call id for a call this side starts.
    package func nextCallID() -> UInt64 {
        state.withLock { state -> UInt64 in
            defer { state.nextCid &+= 2 }
            return state.nextCid
        }
    }

    /// A fresh call id for a call this side will start, which ``cancelCall(_:)`` may cancel before the call has
    /// started; give it to the call, or to ``releaseCallID(_:)``.
    package func reserveCallID() -> UInt64 {
        state.withLock { state -> UInt64 in
            defer { state.nextCid &+= 2 }
            state.reserved[state.nextCid] = false
            return state.nextCid
        }
    }

    /// Forgets a reserved call id that no call will use.
    package func releaseCallID(_ cid: UInt64) {
        _ = state.withLock { $0.reserved.removeValue(forKey: cid) }
    }

    /// Asks the peer to cancel call `cid`, which this side started or has reserved the id of (then the call is
    /// cancelled as it starts); does nothing for a call that has ended. The call ends with the peer's answer.
    package func cancelCall(_ cid: UInt64) {
        let started = state.withLock { state -> Bool in
            if state.reserved[cid] != nil { state.reserved[cid] = true }
            return state.calls[cid] != nil
        }
        if started { requestCancel(cid) }
    }

    /// Makes the endpoint of a stream or context call this side is about to start as `cid`.
    package func makeEndpoint(cid: UInt64, window: Int) -> StreamEndpoint {
        StreamEndpoint(cid: cid, channel: channel, window: window)
    }

    /// Starts a call of any kind and waits for its result; a stream or context call routes its stream messages to
    /// `endpoint` meanwhile. Cancelling the calling task sends `cancel` and waits for the peer's answer. An error of
    /// the type `errors` declares fails the call, and the stream, as that type.
    package func call(
        job: String,
        kind: CallKind,
        payload: [UInt8],
        cid: UInt64,
        endpoint: StreamEndpoint?,
        errors: ErrorCoding? = nil,
        mayPoll: Bool = false
    ) async throws -> [UInt8] {
        if let endpoint {
            let registered = state.withLock { state -> (any Error)? in
                if let failure = state.failure { return failure }
                state.streams[cid] = endpoint
                return nil
            }
            if let registered {
                endpoint.fail(registered)
                throw registered
            }
        }
        defer {
            if endpoint != nil { _ = state.withLock { $0.streams.removeValue(forKey: cid) } }
        }
        let start = Message.start(Start(cid: cid, job: job, kind: kind, payload: payload))
        let reply = try await exchange(start, cid: cid, job: job, endpoint: endpoint, errors: errors, mayPoll: mayPoll)
        guard case .value(let output) = reply else {
            throw TractorError(.protocolViolation, "\(remote) answered a call of job '\(job)' with a batch's results")
        }
        return output
    }

    /// Sends `request` (a `start` or a `batch`) as call `cid` and waits for its answer.
    ///
    /// With `mayPoll`, for a caller that only waits for this answer (not a pool's slot, whose caller must get its future
    /// at once), a call whose answers have come quickly on this connection polls for its answer for a few microseconds
    /// before it parks (``ReplyPoll``): the answer then needs no thread woken to resume the caller.
    func exchange(
        _ request: Message,
        cid: UInt64,
        job: String,
        endpoint: StreamEndpoint? = nil,
        errors: ErrorCoding? = nil,
        mayPoll: Bool = false
    ) async throws -> Reply {
        let budget = mayPoll && endpoint == nil ? replyPoll.allowed : 0
        return try await withTaskCancellationHandler {
            if budget > 0 {
                return try await sendAndPoll(request, cid: cid, job: job, errors: errors, for: budget)
            }
            let sent = mayPoll ? sys_monotonic_nanoseconds() : 0
            defer {
                if mayPoll { replyPoll.record(elapsed: sys_monotonic_nanoseconds() &- sent, polled: 0, caught: false) }
            }
            // Parked at once: the waiter is in the table with its continuation before the request leaves, and the
            // task suspends right after sending (a thread that went on working would delay the peer it just woke,
            // where both share a CPU).
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
                let (failure, cancelled) = state.withLock { state -> ((any Error)?, Bool) in
                    let cancelled = state.reserved.removeValue(forKey: cid) ?? false
                    if let failure = state.failure { return (failure, cancelled) }
                    state.calls[cid] = CallWaiter(continuation: continuation, job: job, errors: errors)
                    return (nil, cancelled)
                }
                if let failure {
                    continuation.resume(throwing: failure)
                    return
                }
                do {
                    try channel.send(request)
                    RoundTripTrace.mark(.requestSent)
                    try endpoint?.grantInitialWindow()
                } catch {
                    guard !channel.isClosed else { return }  // closed: its owner fails the call, saying why
                    if let continuation = state.withLock({ $0.calls.removeValue(forKey: cid) })?.continuation {
                        continuation.resume(throwing: error)
                    }
                    return
                }
                if cancelled || Task.isCancelled { requestCancel(cid) }
            }
        } onCancel: {
            requestCancel(cid)
        }
    }

    /// Sends `request` as call `cid`, polls for its answer for up to `budget` nanoseconds, then parks.
    private func sendAndPoll(
        _ request: Message,
        cid: UInt64,
        job: String,
        errors: ErrorCoding?,
        for budget: UInt64
    ) async throws -> Reply {
        let (failure, cancelled) = state.withLock { state -> ((any Error)?, Bool) in
            let cancelled = state.reserved.removeValue(forKey: cid) ?? false
            if let failure = state.failure { return (failure, cancelled) }
            state.calls[cid] = CallWaiter(job: job, errors: errors)
            return (nil, cancelled)
        }
        if let failure { throw failure }
        let sent = sys_monotonic_nanoseconds()
        do {
            try channel.send(request)
            RoundTripTrace.mark(.requestSent)
        } catch {
            // Closed: its owner fails the call, saying why, and the caller hears that below.
            if !channel.isClosed, state.withLock({ $0.calls.removeValue(forKey: cid) }) != nil { throw error }
        }
        if cancelled || Task.isCancelled { requestCancel(cid) }
        if let answer = poll(cid, for: budget) {
            replyPoll.record(elapsed: sys_monotonic_nanoseconds() &- sent, polled: budget, caught: true)
            return try answer.get()
        }
        defer { replyPoll.record(elapsed: sys_monotonic_nanoseconds() &- sent, polled: budget, caught: false) }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
            let answer = state.withLock { state -> Result<Reply, any Error>? in
                guard let waiter = state.calls[cid] else {
                    return .failure(TractorError(.protocolViolation, "call \(cid) of job '\(job)' left the table"))
                }
                if let answer = waiter.answer {
                    state.calls[cid] = nil
                    return answer
                }
                state.calls[cid]?.continuation = continuation
                return nil
            }
            if let answer { continuation.resume(with: answer) }
        }
    }

    /// Polls for the answer of call `cid` for up to `budget` nanoseconds; takes it, and the call, from the table when
    /// it comes.
    private func poll(_ cid: UInt64, for budget: UInt64) -> Result<Reply, any Error>? {
        let began = sys_monotonic_nanoseconds()
        var seen: UInt64 = 0
        var first = true
        repeat {
            let left = answersLeft.load(ordering: .acquiring)
            if first || left != seen {
                first = false
                seen = left
                let answer = state.withLock { state -> Result<Reply, any Error>? in
                    guard let answer = state.calls[cid]?.answer else { return nil }
                    state.calls[cid] = nil
                    return answer
                }
                if let answer { return answer }
            }
            ReplyPoll.pause()
        } while sys_monotonic_nanoseconds() &- began < budget
        return nil
    }

    /// Ends call `cid` with `answer`: tells its stream, if it has one (`stream`), then hands the answer to the call's
    /// hook (a call no task waits for) or resumes its caller, or leaves the answer for a caller that has not parked
    /// yet. A second answer to a call, or one to a call that was never
    /// made, finds none and does nothing.
    private func finish(
        _ cid: UInt64,
        with answer: Result<Reply, any Error>,
        stream ending: (StreamEndpoint) -> Void = { _ in }
    ) {
        let (found, continuation, parked, stream) = state.withLock {
            state -> (Bool, CheckedContinuation<Reply, any Error>?, CallWaiter?, StreamEndpoint?) in
            guard let waiter = state.calls[cid], waiter.answer == nil else { return (false, nil, nil, nil) }
            let stream = state.streams[cid]
            if waiter.continuation != nil || waiter.onAnswer != nil {
                state.calls[cid] = nil
                return (true, waiter.continuation, waiter, stream)
            }
            state.calls[cid]?.answer = answer
            return (true, nil, nil, stream)
        }
        if found { RoundTripTrace.mark(.replyRead) }
        if let stream { ending(stream) }
        if let parked, let onAnswer = parked.onAnswer {
            onAnswer(answer.flatMap { Self.batchResults(of: $0, job: parked.job, from: remote) })
        } else if let continuation {
            continuation.resume(with: answer)
        } else if found {
            answersLeft.add(1, ordering: .releasing)
        }
    }

    private func requestCancel(_ cid: UInt64) {
        let send = state.withLock { state -> Bool in
            guard let waiter = state.calls[cid], waiter.answer == nil, !waiter.cancelRequested else { return false }
            state.calls[cid]?.cancelRequested = true
            return true
        }
        if send { try? channel.send(.cancel(cid: cid)) }
    }

    /// Fails every call in flight with `error`; later calls fail at once with it too.
    package func failCalls(with error: any Error & Sendable) {
        let (parked, detached, left, streams) = state.withLock {
            state -> ([CheckedContinuation<Reply, any Error>], [CallWaiter], Bool, [StreamEndpoint]) in
            if state.failure == nil { state.failure = error }
            var parked: [CheckedContinuation<Reply, any Error>] = []
            var detached: [CallWaiter] = []
            var left = false
            for (cid, waiter) in state.calls where waiter.answer == nil {
                if waiter.onAnswer != nil {
                    detached.append(waiter)
                    state.calls[cid] = nil
                } else if let continuation = waiter.continuation {
                    parked.append(continuation)
                    state.calls[cid] = nil
                } else {
                    // Its caller has not parked yet: it takes the failure from the table.
                    state.calls[cid]?.answer = .failure(error)
                    left = true
                }
            }
            let streams = Array(state.streams.values)
            state.streams.removeAll()
            return (parked, detached, left, streams)
        }
        for stream in streams { stream.fail(error) }
        if left { answersLeft.add(1, ordering: .releasing) }
        for continuation in parked { continuation.resume(throwing: error) }
        for waiter in detached { waiter.onAnswer?(.failure(error)) }
    }

    /// The names of the jobs called on the peer and not answered yet.
    package var jobsInFlight: [String] {
        state.withLock { $0.calls.values.filter { $0.answer == nil }.map(\.job) }
    }

    // MARK: Serving

    private func handle(_ message: Message) {
        switch message {
        case .start(let start):
            serve(start)
        case .cancel(let cid?):
            let task = state.withLock { state -> Task<Void, Never>? in
                state.serving[cid]?.cancelRequested = true
                return state.serving[cid]?.task
            }
            task?.cancel()
        case .batch(let batch):
            serve(batch)
        case .return(let cid, let payload):
            finish(cid, with: .success(.value(payload))) { $0.callEnded() }
        case .batchReturn(let cid, let results):
            finish(cid, with: .success(.batch(received(results)))) { $0.callEnded() }
        case .error(let cid?, let heard):
            let info = received(heard)
            let (waiter, peerCancelRequested) = state.withLock { state in
                (state.calls[cid].map { (errors: $0.errors, cancelRequested: $0.cancelRequested) },
                 state.peerCancelRequested)
            }
            let error: any Error
            if info.typeName == "Swift.CancellationError" {
                // Whoever asked for the cancellation is the canceller: this side when it cancelled the call or the
                // whole actor, the peer when the job was cancelled there.
                let askedHere = waiter?.cancelRequested == true || peerCancelRequested
                error = ContextCancelled(canceller: askedHere ? local : info.source, job: info.job)
            } else {
                error = waiter?.errors.thrown(for: RemoteActorError(info)) ?? RemoteActorError(info)
            }
            finish(cid, with: .failure(error)) { $0.fail(error) }
        case .cancelAck(let cid?):
            finish(cid, with: .failure(CancellationError())) { $0.fail(CancellationError()) }
        case .cancel(nil), .cancelAck(nil), .error(nil, _):
            events.actorMessage(self, message)
        case .started(let cid, let payload):
            stream(cid)?.receivedStarted(payload)
        case .yield(let cid, let payload):
            stream(cid)?.receivedYield(payload)
        case .credit(let cid, let count):
            stream(cid)?.receivedCredit(count)
        case .stop(let cid):
            stream(cid)?.receivedStop()
        case .hello, .spawnSpec:
            let reason = TractorError(.protocolViolation, "unexpected message from \(remote): \(message.kindName)")
            try? channel.send(.error(cid: nil, .describing(reason, in: local, job: nil)))
            // Closed once the error is out, so that the peer hears why rather than only that the connection ended.
            Task { [channel] in
                try? await channel.waitUntilFlushed()
                channel.close()
            }
        }
    }

    private func stream(_ cid: UInt64) -> StreamEndpoint? {
        state.withLock { $0.streams[cid] }
    }

    /// A small stream element, on the loop thread. Runs of elements for one stream skip the table: the endpoint
    /// found last is kept. Call ids are never reused, and an endpoint removed from the table has ended, so it ignores
    /// whatever still reaches it, as a missing one would.
    private func receivedYield(cid: UInt64, payload: UnsafeRawBufferPointer) {
        if let (lastCid, endpoint) = lastStream, lastCid == cid {
            endpoint.receivedYield(copying: payload)
            return
        }
        guard let endpoint = stream(cid) else { return }
        lastStream = (cid, endpoint)
        endpoint.receivedYield(copying: payload)
    }

    private func serve(_ start: Start) {
        RoundTripTrace.mark(.requestRead)
        guard let server, let job = server.jobs[start.job] else {
            refuse(cid: start.cid, job: start.job)
            return
        }
        guard job.kind == start.kind else {
            let reason = TractorError(
                .protocolViolation,
                "job '\(start.job)' is a \(job.kind) job but was started as a \(start.kind) call"
            )
            try? channel.send(.error(cid: start.cid, .describing(reason, in: local, job: start.job)))
            return
        }
        let cid = start.cid
        let endpoint = job.kind == .call ? nil : StreamEndpoint(cid: cid, channel: channel, window: StreamWindow.default)
        let onLoop = job.kind == .call
        run(cid: cid, job: job.name, actor: server.actor, endpoint: endpoint, errors: job.errorCoding, onLoop: onLoop) {
            [self] in
            let output = try await ServingContext.$connection.withValue(self) {
                try await job.invoke(start.payload, endpoint)
            }
            endpoint?.finish()
            if let misuse = endpoint?.misuse {
                // The job misused its context and went on (it ignored the error): the caller hears of it anyway.
                return .error(cid: cid, .describing(misuse, in: server.actor, job: job.name, errors: job.errorCoding))
            }
            return .return(cid: cid, payload: output)
        }
    }

    /// Records that this side asked for the peer's cancellation by another way than this connection (through the
    /// agent of the peer's host): the cancellations its calls end with are then this side's, as after `cancel(nil)`.
    package func notePeerCancelRequested() {
        state.withLock { $0.peerCancelRequested = true }
    }

    /// Sends an actor-level message (`cancel(nil)`, `cancelAck(nil)`, `error(nil, …)`).
    package func sendActorMessage(_ message: Message) throws(TractorError) {
        if case .cancel(nil) = message { state.withLock { $0.peerCancelRequested = true } }
        try channel.send(message)
    }
}
