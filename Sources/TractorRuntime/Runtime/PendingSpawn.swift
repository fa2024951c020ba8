//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A child expected to connect back with a given cookie.
package struct PendingSpawn: Sendable {
    let runtime: ActorRuntime
    let cookie: [UInt8]

    /// Waits for the child's connection and hello, at most `timeout`; `abandon(_:)` ends the wait early.
    ///
    /// - Parameter child: Names the child in the error, such as `actor 'worker-3' (/usr/bin/app)`.
    /// - Throws: ``TractorError`` `.spawnFailed` when the time is up (saying so, once) or the spawn was abandoned
    ///   (with the abandoning error); `CancellationError` when the calling task is cancelled.
    package func wait(timeout: Duration, child: String) async throws -> (Channel, Hello) {
        let expired = TractorError(
            .spawnFailed,
            "\(child) did not connect back within \(timeout) (TractorConfiguration.spawnTimeout)"
        )
        do {
            return try await withExpiry(timeout) {
                try await withCheckedThrowingContinuation { continuation in
                    runtime.waitForPendingSpawn(cookie: cookie, continuation)
                }
            } expire: {
                runtime.cancelPendingSpawn(cookie: cookie, with: expired, forget: true)
            }
        } catch let error as TractorError where error.code == .timedOut {
            throw expired
        }
    }

    /// Ends the wait with `error` (the child exited before connecting, say); a wait that has not begun yet fails
    /// with it when it begins.
    package func abandon(_ error: TractorError) {
        runtime.cancelPendingSpawn(cookie: cookie, with: error)
    }

    /// Gives the child up for a spawn that will not wait for it (its launch failed).
    package func forget(_ error: TractorError) {
        runtime.cancelPendingSpawn(cookie: cookie, with: error, forget: true)
    }
}
