//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The shell around one map's ``MapStateMachine``: one lock over the machine, which holds the parked consumer and
/// reader; the consumer (the iterating task), the tasks that deliver chunk results, and (for an `AsyncSequence`
/// input) the task that reads the input each make a transition under the lock and act on its answer outside it.
@usableFromInline
final class MapShared<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    typealias Step = MapConsumerStep<Input, Completed>
    typealias Machine = MapStateMachine<
        Input, Completed, CheckedContinuation<Step, Never>, CheckedContinuation<MapReaderStep, Never>
    >
    typealias Chunk = MapChunk<Input>

    let job: Job<Input, Output>
    let dispatcher: PoolDispatcher
    let state: Mutex<Machine>
    /// The map's progress reporter; `nil` when nobody listens (then nothing is counted).
    let progress: PoolProgress?

    /// How a chunk came back, with its item count and the index of its first input in the map's input; decoded by
    /// the consumer, off the thread that delivered it.
    struct Completed: Sendable {
        var result: ChunkResult
        var count: Int
        var firstIndex: Int
    }

    /// The shared state of a map; `inputLimit` is its `bufferSize`; `progress`, its reporter, is told of the map's
    /// end, having been told of `expectedTotal` items (when known) at the start.
    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, ordered: Bool, inputLimit: Int? = nil,
        progress: PoolProgress? = nil, expectedTotal: Int? = nil
    ) {
        self.job = job
        self.dispatcher = dispatcher
        self.progress = progress
        let tally = progress.map { ProgressTally(expected: $0.configuration.total ?? expectedTotal) }
        self.state = Mutex(Machine(ordered: ordered, inputLimit: inputLimit, progress: tally))
    }

    // MARK: Consumer

    /// What the consumer does next; `id` numbers the partial chunk if it is the consumer's to send.
    func next(id: ChunkID) -> Step {
        let action = state.withLock { $0.next(id: id) }
        if let (reader, step) = action.reader { reader.resume(returning: step) }
        return action.step
    }

    /// Parks the consumer until there is something for it, `deadline` passes, or the task is cancelled (then it is
    /// resumed with `.interrupted`).
    nonisolated(nonsending) func waitForNext(id: ChunkID, until deadline: ContinuousClock.Instant?) async -> Step {
        guard let deadline else { return await waitForNext(id: id) }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                if !Task.isCancelled { self.interruptConsumer() }
            }
            let step = await waitForNext(id: id)
            group.cancelAll()
            return step
        }
    }

    private nonisolated(nonsending) func waitForNext(id: ChunkID) async -> Step {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Step, Never>) in
                guard let action = state.withLock({ $0.consumerSuspended(continuation, id: id) }) else { return }
                if let (reader, step) = action.reader { reader.resume(returning: step) }
                continuation.resume(returning: action.step)
            }
        } onCancel: {
            interruptConsumer()
        }
    }

    private func interruptConsumer() {
        state.withLock { $0.interruptConsumer() }?.resume(returning: .interrupted)
    }

    /// How many inputs the consumer of a `Sequence` input may read for its next chunk (0: none).
    func readRoom(readAhead: Int) -> Int {
        state.withLock { $0.readRoom(readAhead: readAhead) }
    }

    /// The consumer has consumed every output it took: their inputs leave the input limit.
    func outputsConsumed() {
        if let (reader, step) = state.withLock({ $0.outputsConsumed() }) { reader.resume(returning: step) }
    }

    /// The progress counts so far (for the reporter's snapshots).
    func progressTally() -> ProgressTally {
        state.withLock { $0.progress } ?? ProgressTally()
    }

    /// Numbers and sends one chunk of inputs read by the consumer itself (a `Sequence` input); `last` when the
    /// input has ended.
    nonisolated(nonsending) func submit(_ inputs: [Input], last: Bool) async {
        let id = dispatcher.makeChunkID()
        guard let chunk = state.withLock({ $0.submit(inputs, id: id, last: last) }) else { return }
        await send(chunk)
    }

    // MARK: Sending and delivering

    /// Sends a numbered chunk to the pool; a chunk that cannot be sent (the pool is shut down) fails its items.
    nonisolated(nonsending) func send(_ chunk: Chunk) async {
        let (count, sequence, firstIndex) = (chunk.inputs.count, chunk.sequence, chunk.firstIndex)
        do {
            let payload = ChunkPayload(
                request: try encodeRequest(chunk.inputs),
                deliver: { [self] result in
                    complete(sequence, Completed(result: result, count: count, firstIndex: firstIndex))
                }
            )
            try await dispatcher.enqueue(.init(
                id: chunk.id, job: job.name, itemCount: count, timeout: nil, payload: payload,
                requestBytes: payload.request.count, ofMap: true
            ))
        } catch {
            complete(sequence, Completed(result: .failure(error), count: count, firstIndex: firstIndex))
        }
    }

    /// The request that runs the job on `inputs`.
    private func encodeRequest(_ inputs: [Input]) throws -> [UInt8] {
        try Portal.encodeBatch(inputs, of: job.name)
    }

    /// A chunk came back: it goes to the consumer if the consumer waits for it, or waits for the consumer.
    func complete(_ sequence: Int, _ completed: Completed) {
        let items = progress == nil ? nil : Self.itemOutcomes(completed)
        let action = state.withLock { $0.chunkCompleted(sequence, completed, items: items) }
        if let (consumer, step) = action.consumer { consumer.resume(returning: step) }
        if let (reader, step) = action.reader { reader.resume(returning: step) }
    }

    // MARK: Ending

    /// Ends the map: no more submissions, and every chunk still out is cancelled.
    func cancel() {
        let action = state.withLock { $0.cancel() }
        for id in action.chunks { _ = dispatcher.cancel(id) }
        if let (consumer, step) = action.consumer { consumer.resume(returning: step) }
        if let (reader, step) = action.reader { reader.resume(returning: step) }
        if let tally = action.finalTally { progress?.end(tally, owner: ObjectIdentifier(self)) }
    }

    /// How the items of a chunk ended, for the progress tally: those the worker reports failed, failed; the rest
    /// are done; a chunk that failed as a whole failed (or was cancelled) item by item.
    private static func itemOutcomes(_ completed: Completed) -> ProgressTally.Delta {
        switch completed.result {
        case .reply(let results):
            let failed = Swift.min(results.failures.count, completed.count)
            return ProgressTally.Delta(done: completed.count - failed, failed: failed)
        case .failure(let error) where error is CancellationError:
            return ProgressTally.Delta(cancelled: completed.count)
        case .failure:
            return ProgressTally.Delta(failed: completed.count)
        }
    }

    /// Ends the input with `error`, when its reader could not start.
    func inputFailed(_ error: any Error) {
        let action = state.withLock { $0.readerFinished(error: error, id: dispatcher.makeChunkID()) }
        if let (consumer, step) = action.resume { consumer.resume(returning: step) }
    }
}
