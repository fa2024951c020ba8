//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A stream or context call in flight, from the caller's side: its endpoint and the task awaiting its result.
///
/// The task is unstructured only in form: the scope that makes one (``Portal/openStream(_:_:window:isolation:_:)``,
/// ``Portal/openContext(_:_:window:isolation:_:)``) awaits it on every path before returning — with ``end(cancelling:)``
/// after its body, with ``cancelAndWait()`` when the body throws — and nothing else holds it past the scope. It is a
/// task rather than a task-group child because the body's ``Context/cancel()`` and ``Context/result()`` reach it from
/// inside the body, where the scope's group is out of reach.
final class StreamingCall: Sendable {
    let job: String
    let endpoint: StreamEndpoint
    let task: Task<[UInt8], any Error>
    private let cancelled = Atomic<Bool>(false)

    init<Input: Encodable>(
        connection: PeerConnection,
        job: String,
        kind: CallKind,
        input: Input,
        window: Int,
        errors: ErrorCoding?
    ) throws {
        guard window > 0 else { throw TractorError(.invalidArgument, "a stream window must be positive, not \(window)") }
        let payload: [UInt8]
        do {
            payload = try MessagePackEncoder().encode(input)
        } catch {
            throw TractorError(.encodingFailed, "could not encode the input of job '\(job)'", cause: error)
        }
        let cid = connection.nextCallID()
        let endpoint = connection.makeEndpoint(cid: cid, window: window)
        self.job = job
        self.endpoint = endpoint
        self.task = Task {
            try await connection.call(
                job: job, kind: kind, payload: payload, cid: cid, endpoint: endpoint, errors: errors
            )
        }
    }

    /// Whether this side asked for the cancellation.
    var cancelRequested: Bool { cancelled.load(ordering: .relaxed) }

    func requestCancel() {
        cancelled.store(true, ordering: .relaxed)
        task.cancel()
    }

    /// Cancels the job and waits for the actor's answer, ignoring it: the caller is already failing.
    func cancelAndWait() async {
        requestCancel()
        _ = await task.result
    }

    /// Ends the call after its scope's body returned: cancels the job if it is still running and `cancelling`, then
    /// waits; this side's own cancellation is not an error, the job's errors are.
    func end(cancelling: Bool) async throws {
        if cancelling { requestCancel() }
        do {
            _ = try await task.value
        } catch is CancellationError where cancelRequested {
            return
        }
    }
}
