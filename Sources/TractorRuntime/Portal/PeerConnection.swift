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
    private let state: Mutex<State>
    private let events: Events
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

    private struct State: ~Copyable {
        var nextCid: UInt64
        var calls: [UInt64: CallWaiter] = [:]
        /// Call ids handed out by `reserveCallID()` whose call has not started: `true` once asked to cancel, so
        /// that the call is cancelled as soon as it starts.
        var reserved: [UInt64: Bool] = [:]
        var serving: [UInt64: ServedCall] = [:]
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

    private struct CallWaiter {
        var continuation: CheckedContinuation<Reply, any Error>
        var job: String
        /// The error type the job declares, to decode an `error` answer with.
        var errors: ErrorCoding?
        var cancelRequested = false
    }

    /// How a call this side started was answered.
    enum Reply {
        /// `return`: the output of a call, stream or context.
        case value([UInt8])
        /// `batchReturn`: the results of a batch.
        case batch(BatchResults)
    }

    private struct ServedCall {
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
        try await call(job: job, kind: .call, payload: payload, cid: nextCallID(), endpoint: nil, errors: errors)
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
        errors: ErrorCoding? = nil
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
        let reply = try await exchange(start, cid: cid, job: job, endpoint: endpoint, errors: errors)
        guard case .value(let output) = reply else {
            throw TractorError(.protocolViolation, "\(remote) answered a call of job '\(job)' with a batch's results")
        }
        return output
    }

    /// Sends `request` (a `start` or a `batch`) as call `cid` and waits for its answer.
    func exchange(
        _ request: Message,
        cid: UInt64,
        job: String,
        endpoint: StreamEndpoint? = nil,
        errors: ErrorCoding? = nil
    ) async throws -> Reply {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
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
                    try endpoint?.grantInitialWindow()
                } catch {
                    guard !channel.isClosed else { return }  // closed: its owner fails the call, saying why
                    if let waiter = state.withLock({ $0.calls.removeValue(forKey: cid) }) {
                        waiter.continuation.resume(throwing: error)
                    }
                    return
                }
                if cancelled || Task.isCancelled { requestCancel(cid) }
            }
        } onCancel: {
            requestCancel(cid)
        }
    }

    private func requestCancel(_ cid: UInt64) {
        let send = state.withLock { state -> Bool in
            guard state.calls[cid] != nil, state.calls[cid]?.cancelRequested == false else { return false }
            state.calls[cid]?.cancelRequested = true
            return true
        }
        if send { try? channel.send(.cancel(cid: cid)) }
    }

    /// Fails every call in flight with `error`; later calls fail at once with it too.
    package func failCalls(with error: any Error & Sendable) {
        let (waiters, streams) = state.withLock { state -> ([CallWaiter], [StreamEndpoint]) in
            if state.failure == nil { state.failure = error }
            let waiters = Array(state.calls.values)
            state.calls.removeAll()
            let streams = Array(state.streams.values)
            state.streams.removeAll()
            return (waiters, streams)
        }
        for stream in streams { stream.fail(error) }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }

    /// The names of the jobs called on the peer and not answered yet.
    package var jobsInFlight: [String] {
        state.withLock { $0.calls.values.map(\.job) }
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
            let (waiter, stream) = takeCall(cid)
            stream?.callEnded()
            waiter?.continuation.resume(returning: .value(payload))
        case .batchReturn(let cid, let results):
            let (waiter, stream) = takeCall(cid)
            stream?.callEnded()
            waiter?.continuation.resume(returning: .batch(received(results)))
        case .error(let cid?, let heard):
            let info = received(heard)
            let (waiter, stream) = takeCall(cid)
            let error: any Error
            if info.typeName == "Swift.CancellationError" {
                // Whoever asked for the cancellation is the canceller: this side when it cancelled the call or the
                // whole actor, the peer when the job was cancelled there.
                let askedHere = waiter?.cancelRequested == true || state.withLock { $0.peerCancelRequested }
                error = ContextCancelled(canceller: askedHere ? local : info.source, job: info.job)
            } else {
                error = waiter?.errors.thrown(for: RemoteActorError(info)) ?? RemoteActorError(info)
            }
            stream?.fail(error)
            waiter?.continuation.resume(throwing: error)
        case .cancelAck(let cid?):
            let (waiter, stream) = takeCall(cid)
            stream?.fail(CancellationError())
            waiter?.continuation.resume(throwing: CancellationError())
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

    /// Removes call `cid` this side started, with its stream if it has one.
    private func takeCall(_ cid: UInt64) -> (CallWaiter?, StreamEndpoint?) {
        state.withLock { state in
            let waiter = state.calls.removeValue(forKey: cid)
            let stream = waiter == nil ? nil : state.streams[cid]
            return (waiter, stream)
        }
    }

    private func serve(_ start: Start) {
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

    /// Runs served call `cid` in a task of its own, which `cancel` cancels, and sends the answer `body` returns; a
    /// failure is answered with `error` (with its value where it is of the type `errors` declares), a cancellation
    /// asked by the peer with `cancelAck`.
    ///
    /// With `onLoop`, the task runs on the loop thread that read the request (``IOLoop/servedJobs``): for a call or a
    /// batch of a few inputs, whose round trip that spares a thread wake-up. Streams, contexts and long batches run
    /// on the cooperative pool: a task that prefers an executor of its own pays for it at every call it makes into
    /// a nonisolated async function (measured: a no-op `map` of 200,000 items took 22-29 ms that way against 18-22
    /// ms), more than a wake-up saves there.
    func run(
        cid: UInt64,
        job: String,
        actor: ActorID,
        endpoint: StreamEndpoint?,
        errors: ErrorCoding?,
        onLoop: Bool,
        _ body: @escaping @Sendable () async throws -> Message
    ) {
        state.withLock { table in
            table.serving[cid] = ServedCall()
            if let endpoint { table.streams[cid] = endpoint }
        }
        // The task is made outside the lock: on a worker pinned to one CPU, a task made under it would start by
        // spinning on that same lock. It is started here, on the loop thread that read the `start`, rather than
        // handed to a task group's loop, which would cost every call a second hop; with `onLoop` it also runs on that
        // thread once the events in hand are handled (``IOLoop/servedJobs``), and no thread is woken for it. It is
        // owned by this connection's table until it has replied, cancelled with the connection (``cancelServed()``,
        // also when it closes), and awaited by the connection's owner through ``waitForServed()``: a child's runtime
        // before its process exits, a nursery after tearing down the child at the other end.
        let operation: @Sendable () async -> Void = { [self] in
            let trace = ServedCallTrace.begin(job: job, cid: cid, peer: remote)
            let reply: Message
            do {
                reply = try await body()
            } catch is CancellationError where state.withLock({ $0.serving[cid]?.cancelRequested ?? true }) {
                reply = .cancelAck(cid: cid)
            } catch {
                var info = RemoteErrorInfo.describing(error, in: actor, job: job, errors: errors)
                if error is CancellationError, let canceller = state.withLock({ $0.servedCanceller }) {
                    info.source = canceller
                }
                reply = .error(cid: cid, info)
            }
            // Reply before leaving the table: an actor shutting down waits for the jobs in the table, and must
            // not exit between a job's end and its reply.
            _ = state.withLock { $0.streams.removeValue(forKey: cid) }
            endpoint?.fail(CancellationError())
            trace?.end(reply)
            sendReply(reply, cid: cid, job: job, actor: actor)
            _ = state.withLock { $0.serving.removeValue(forKey: cid) }
        }
        let task = onLoop ? Task(executorPreference: IOLoop.servedJobs, operation: operation) : Task(operation: operation)
        let cancelNow = state.withLock { table -> Bool in
            guard table.serving[cid] != nil else { return false }
            table.serving[cid]?.task = task
            return table.servedCancelled || table.serving[cid]?.cancelRequested == true
        }
        if cancelNow { task.cancel() }
    }

    /// Cancels every job served to the peer; with `canceller`, a peer of the tree that asked, named in their errors.
    package func cancelServed(by canceller: ActorID? = nil) {
        let tasks = state.withLock { state in
            state.servedCancelled = true
            state.servedCanceller = state.servedCanceller ?? canceller
            return state.serving.values.compactMap { call -> Task<Void, Never>? in call.task }
        }
        for task in tasks { task.cancel() }
    }

    /// Waits for every job served to the peer to finish (each has replied by then, or found the connection
    /// closed). Every owner of a connection that serves jobs calls it before it is done with the connection.
    package func waitForServed() async {
        while true {
            let (empty, task) = state.withLock { state in
                (state.serving.isEmpty, state.serving.values.lazy.compactMap(\.task).first)
            }
            if empty { return }
            if let task { await task.value } else { await Task.yield() }
        }
    }

    /// Sends an actor-level message (`cancel(nil)`, `cancelAck(nil)`, `error(nil, …)`).
    package func sendActorMessage(_ message: Message) throws(TractorError) {
        if case .cancel(nil) = message { state.withLock { $0.peerCancelRequested = true } }
        try channel.send(message)
    }
}
