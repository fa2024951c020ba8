//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// Batch calls over a connection: one request of many inputs of one call job, one `batchReturn` of a result or an
// error per input.

extension PeerConnection {
    /// Runs call job `job` in the peer once for each of `inputs` (one encoded array), one after another, in one
    /// `batch` call, and returns the results of each. Cancelling the calling task sends `cancel`, as for a call.
    /// With `mayPoll`, the caller may poll for the answer before it parks; `onAnswer` is given the answer, as the call
    /// returns or throws it, on the thread that reads it, before the caller resumes (see `exchange`).
    package func callBatch(
        job: String,
        inputs: [UInt8],
        cid: UInt64? = nil,
        mayPoll: Bool = false,
        onAnswer: (@Sendable (Result<BatchResults, any Error>) -> Void)? = nil
    ) async throws -> BatchResults {
        let cid = cid ?? nextCallID()
        let reply = try await exchange(
            .batch(Batch(cid: cid, job: job, inputs: inputs)), cid: cid, job: job, mayPoll: mayPoll,
            onBatchAnswer: onAnswer
        )
        return try Self.batchResults(of: reply, job: job, from: remote).get()
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
