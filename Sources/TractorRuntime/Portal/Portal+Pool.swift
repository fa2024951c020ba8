//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

extension Portal {
    /// Runs job `job` with an already encoded input and returns its encoded output: what ``run(_:_:)`` does around
    /// its encoding (the pool encodes chunks itself). Not API.
    ///
    /// - Throws: As ``run(_:_:)``: ``RemoteActorError``, ``TractorError`` `.actorCrashed`, `CancellationError`.
    package func call(job: String, payload: [UInt8]) async throws -> [UInt8] {
        try await connection.call(job: job, payload: payload)
    }

    /// Sends `signal` to the actor's process, unless it has already been reaped (a pool kills a worker whose job
    /// ignores cancellation). Does nothing for an actor that is not a child of this process. Not API.
    package func signal(_ signal: CInt) {
        child?.process.signal(signal)
    }
}
