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
}
