//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

/// The `trace` log lines of one job served to a peer: its start, and its end with how it ended and how long it ran.
///
/// Made only when the process logs at `trace` level (``begin(job:cid:peer:)`` returns `nil` otherwise), so a job
/// served at any other level costs a check of the level and nothing more.
struct ServedCallTrace: Sendable {
    private let logger: Logger
    private let job: String
    private let cid: UInt64
    private let started: ContinuousClock.Instant

    /// Logs the start of call `cid` of `job` for `peer` and returns the trace, if the level is `trace`.
    static func begin(job: String, cid: UInt64, peer: ActorID) -> ServedCallTrace? {
        guard ActorRuntime.shared.logs(at: .trace) else { return nil }
        let logger = ActorRuntime.shared.logger
        logger.trace("job '\(job)' (call \(cid)) started for \(peer)")
        return ServedCallTrace(logger: logger, job: job, cid: cid, started: .now)
    }

    /// Logs the end of the call, answered with `reply`.
    func end(_ reply: Message) {
        let elapsed = ContinuousClock.now - started
        let outcome: String
        switch reply {
        case .error: outcome = "failed"
        case .cancelAck: outcome = "was cancelled"
        default: outcome = "returned"
        }
        logger.trace("job '\(job)' (call \(cid)) \(outcome) after \(elapsed)")
    }
}
