//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// Batch calls over a connection: one request of many inputs of one call job, one `batchReturn` of a result or an
// error per input.

extension PeerConnection {
    /// Runs call job `job` in the peer once for each of `inputs` (one encoded array), one after another, in one
    /// `batch` call, and returns the results of each. Cancelling the calling task sends `cancel`, as for a call.
    /// With `mayPoll`, the caller may poll for the answer before it parks.
    package func callBatch(job: String, inputs: [UInt8], mayPoll: Bool = false) async throws -> BatchResults {
        let cid = nextCallID()
        let reply = try await exchange(
            .batch(Batch(cid: cid, job: job, inputs: inputs)), cid: cid, job: job, mayPoll: mayPoll
        )
        return try Self.batchResults(of: reply, job: job, from: remote).get()
    }

    /// Sends call job `job` a batch of `inputs` as call `cid` (from ``reserveCallID()``) and returns at once: no task
    /// waits for the answer. `onAnswer` hears how the call ended, whatever ends it (the peer's answer, the
    /// connection's failure, a request that could not be sent), exactly once, on the thread that learns of it: the I/O
    /// thread for an answer, the calling thread, before this returns, for a connection that has already failed.
    ///
    /// For a pool's slot, whose caller's future the answer resolves: the request leaves from the submitting thread and
    /// the answer is handled where it is read, with no task of the slot's resumed in between. ``cancelCall(_:)``
    /// cancels it; it must be short and must not block.
    package func startBatch(
        job: String,
        inputs: [UInt8],
        cid: UInt64,
        onAnswer: @escaping @Sendable (Result<BatchResults, any Error>) -> Void
    ) {
        let (failure, cancelled) = state.withLock { state -> ((any Error)?, Bool) in
            let cancelled = state.reserved.removeValue(forKey: cid) ?? false
            if let failure = state.failure { return (failure, cancelled) }
            state.calls[cid] = CallWaiter(onAnswer: onAnswer, job: job)
            return (nil, cancelled)
        }
        if let failure { return onAnswer(.failure(failure)) }
        do {
            try channel.send(.batch(Batch(cid: cid, job: job, inputs: inputs)))
            RoundTripTrace.mark(.requestSent)
        } catch {
            // Closed: its owner fails the call, saying why, and `onAnswer` hears that.
            guard !channel.isClosed, state.withLock({ $0.calls.removeValue(forKey: cid) }) != nil else { return }
            return onAnswer(.failure(error))
        }
        if cancelled { cancelCall(cid) }
    }

    /// The results a batch's answer carries, or the protocol violation of an answer that carries a call's output.
    static func batchResults(
        of reply: Reply,
        job: String,
        from remote: ActorID
    ) -> Result<BatchResults, any Error> {
        guard case .batch(let results) = reply else {
            let violation = TractorError(.protocolViolation, "\(remote) answered a batch of job '\(job)' with a return")
            return .failure(violation)
        }
        return .success(results)
    }

    /// Serves a `batch`: runs its inputs with the job's batch invoker, in a task of its own as a call is run.
    func serve(_ batch: Batch) {
        RoundTripTrace.mark(.requestRead)
        guard let server, let job = server.jobs[batch.job], let invokeBatch = job.invokeBatch else {
            refuse(cid: batch.cid, job: batch.job, batch: true)
            return
        }
        let cid = batch.cid
        // A batch of up to eight inputs (a MessagePack fixarray header 0x90-0x98; a `submit` sends one) runs on the
        // loop thread as a call does.
        let onLoop = batch.inputs.first.map { $0 >= 0x90 && $0 <= 0x98 } ?? false
        run(cid: cid, job: job.name, actor: server.actor, endpoint: nil, errors: job.errorCoding, onLoop: onLoop) {
            [self] in
            let results = try await ServingContext.$connection.withValue(self) {
                try await invokeBatch(batch.inputs, server.actor)
            }
            return .batchReturn(cid: cid, results)
        }
    }
}
