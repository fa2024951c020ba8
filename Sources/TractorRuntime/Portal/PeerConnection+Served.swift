//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The jobs a connection serves to its peer: each in a task of its own, owned by the connection's table until it has
// replied, cancelled with the connection, and awaited by the connection's owner.

extension PeerConnection {
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
            RoundTripTrace.mark(.jobStarted)
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
            RoundTripTrace.mark(.jobReturned)
            // Reply before leaving the table: an actor shutting down waits for the jobs in the table, and must
            // not exit between a job's end and its reply.
            _ = state.withLock { $0.streams.removeValue(forKey: cid) }
            endpoint?.fail(CancellationError())
            trace?.end(reply)
            sendReply(reply, cid: cid, job: job, actor: actor)
            let drained = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.serving.removeValue(forKey: cid)
                guard state.serving.isEmpty, !state.servedWaiters.isEmpty else { return [] }
                defer { state.servedWaiters.removeAll() }
                return Array(state.servedWaiters.values)
            }
            for waiter in drained { waiter.resume() }
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
    ///
    /// Cancelling the waiting task ends the wait, not the jobs: a caller that waits only so long (a child whose
    /// parent has gone gives its jobs the cancel grace) is not held by a job that ignores its cancellation.
    package func waitForServed() async {
        let id = state.withLock { state in
            defer { state.nextServedWaiter += 1 }
            return state.nextServedWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.serving.isEmpty || Task.isCancelled { return true }
                    state.servedWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.servedWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
