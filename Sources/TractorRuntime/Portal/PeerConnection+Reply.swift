//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PeerConnection {
    /// Sends a served call's reply. A reply longer than a message may be (a result over the frame limit) cannot
    /// travel: the caller gets an error saying so instead, never silence. Any other failure means the connection is
    /// closing, which fails the call at the other end.
    func sendReply(_ reply: Message, cid: UInt64, job: String, actor: ActorID) {
        do {
            try channel.send(reply)
            RoundTripTrace.mark(.replySent)
        } catch where error.code == .frameTooLarge {
            let tooLarge = TractorError(
                .frameTooLarge,
                "the reply of job '\(job)' is larger than the \(channel.maximumFrameSize >> 20) MiB a message may hold "
                    + "(\(error.message)); return less, or stream it in pieces with a StreamJob",
                cause: error
            )
            try? channel.send(.error(cid: cid, .describing(tooLarge, in: actor, job: job)))
        } catch {
            return
        }
    }

    /// Answers call `cid` of job `job`, which this side does not serve (as a batch: not as a call job), with an error.
    func refuse(cid: UInt64, job: String, batch: Bool = false) {
        let served = server?.jobs.filter { !batch || $0.value.invokeBatch != nil }.keys.sorted()
        let reason = TractorError(
            .unknownJob,
            "actor \(local) does not serve \(batch ? "batches of " : "")a job named '\(job)'"
                + (served.map { "; it serves: " + $0.joined(separator: ", ") } ?? "")
        )
        try? channel.send(.error(cid: cid, .describing(reason, in: local, job: job)))
    }

    /// `info`, as heard from the peer: with the peer's host, when it runs on another (see ``remoteHost``).
    package func received(_ info: RemoteErrorInfo) -> RemoteErrorInfo {
        info.withHost(remoteHost)
    }

    /// A batch's results, as heard from the peer: its failures with the peer's host, when it runs on another.
    func received(_ results: BatchResults) -> BatchResults {
        guard !results.failures.isEmpty, let host = remoteHost else { return results }
        var results = results
        results.failures = results.failures.map { BatchFailure(index: $0.index, error: $0.error.withHost(host)) }
        return results
    }
}
