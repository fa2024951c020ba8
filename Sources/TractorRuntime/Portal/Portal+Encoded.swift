//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

// The package's side door into a portal: calls whose inputs the caller has already encoded (so that it encodes where
// it likes, on its own thread), and signals to the actor's process. Not API.

extension Portal {
    /// Runs job `job` with an already encoded input and returns its encoded output: what ``run(_:_:)`` does around
    /// its encoding. Not API.
    ///
    /// - Throws: As ``run(_:_:)``: ``RemoteActorError``, ``TractorError`` `.actorCrashed`, `CancellationError`.
    package func call(job: String, payload: [UInt8]) async throws -> [UInt8] {
        try await connection.call(job: job, payload: payload)
    }

    /// Runs call job `job` once for each input of `inputs` (one MessagePack array of encoded inputs), in one
    /// `batch` call, and returns the results as the actor sent them: what ``run(_:batch:)`` does around its encoding
    /// and decoding. Not API.
    ///
    /// - Throws: As ``run(_:batch:)``.
    package func call(job: String, batch inputs: [UInt8], mayPoll: Bool = false) async throws -> BatchResults {
        try await connection.callBatch(job: job, inputs: inputs, mayPoll: mayPoll)
    }

    /// Sends call job `job` a batch of `inputs` (one MessagePack array of encoded inputs) as call `callID` and returns
    /// at once; `onAnswer` hears how the call ended, whatever ends it, once, on the thread that learns of it (the I/O
    /// thread for the actor's answer). ``cancelCall(_:)`` cancels it. Not API.
    package func startCall(
        job: String,
        batch inputs: [UInt8],
        callID: UInt64,
        onAnswer: @escaping @Sendable (Result<BatchResults, any Error>) -> Void
    ) {
        connection.startBatch(job: job, inputs: inputs, cid: callID, onAnswer: onAnswer)
    }

    /// A fresh call id, for a call that ``cancelCall(_:)`` may cancel from anywhere, even before it has started; give
    /// it to the call, or to ``releaseCallID(_:)``. Not API.
    package func reserveCallID() -> UInt64 {
        connection.reserveCallID()
    }

    /// Forgets a reserved call id that no call will use. Not API.
    package func releaseCallID(_ id: UInt64) {
        connection.releaseCallID(id)
    }

    /// Asks the actor to cancel call `id` (see ``reserveCallID()``); the call then ends with the actor's answer, as
    /// when its task is cancelled. Does nothing for a call that has ended. Not API.
    package func cancelCall(_ id: UInt64) {
        connection.cancelCall(id)
    }

    /// Sends `signal` to the actor's process, unless it has already been reaped. Does nothing for an actor that is
    /// not a child of this process. Not API.
    package func signal(_ signal: CInt) {
        child?.process.signal(signal)
    }
}
