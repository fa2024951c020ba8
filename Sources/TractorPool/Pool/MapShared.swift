//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The state one `map` shares between its consumer (the iterating task), the tasks that deliver chunk results, and
/// (for an `AsyncSequence` input) the task that reads the input.
///
/// Chunks are numbered as they are submitted; their results wait here, by number, until the consumer takes them.
/// For an asynchronous input, the inputs read but not yet submitted wait in a partial chunk, which the reader
/// submits when it is full and the consumer submits when it has nothing else to wait for.
@usableFromInline
final class MapShared<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    let job: Job<Input, Output>
    let dispatcher: PoolDispatcher
    let ordered: Bool
    /// Wakes the consumer: results arrived, or the reader submitted, filled or finished.
    let consumerWakeUp = WakeUp()
    /// Wakes the reader: the consumer took results, so there is room in the read-ahead.
    let readerWakeUp = WakeUp()
    let state = Mutex(State())

    /// How a chunk came back, with its item count; decoded by the consumer, off the thread that delivered it.
    struct Completed: Sendable {
        var result: ChunkResult
        var count: Int
    }

    struct State: Sendable {
        var done: [Int: Completed] = [:]
        /// The chunk an ordered map's consumer waits for, while it waits: only its arrival wakes the consumer.
        var awaited: Int?
        /// Unordered maps: completed chunk numbers, first first.
        var arrivals: [Int] = []
        var nextSequence = 0
        /// Chunks submitted and not taken by the consumer, by number.
        var outstanding: [Int: ChunkID] = [:]
        var partial: [Input] = []
        var inputEnded = false
        var inputError: (any Error)?
        var cancelled = false
    }

    init(job: Job<Input, Output>, dispatcher: PoolDispatcher, ordered: Bool) {
        self.job = job
        self.dispatcher = dispatcher
        self.ordered = ordered
    }

    /// A chunk numbered and recorded as outstanding, ready to send.
    struct Numbered: Sendable {
        var sequence: Int
        var id: ChunkID
        var inputs: [Input]
    }

    /// Numbers a chunk, under the lock, so that chunks are numbered in input order whoever submits them.
    static func number(_ inputs: [Input], id: ChunkID, in state: inout State) -> Numbered? {
        guard !state.cancelled, !inputs.isEmpty else { return nil }
        defer { state.nextSequence += 1 }
        state.outstanding[state.nextSequence] = id
        return Numbered(sequence: state.nextSequence, id: id, inputs: inputs)
    }

    /// Numbers and submits one chunk of inputs read by the consumer itself (a `Sequence` input).
    nonisolated(nonsending) func submit(_ inputs: [Input]) async {
        let id = dispatcher.makeChunkID()
        guard let chunk = state.withLock({ Self.number(inputs, id: id, in: &$0) }) else { return }
        await send(chunk)
    }

    /// Submits the partial chunk of an asynchronous input, if there is one (the consumer has nothing else to wait
    /// for).
    nonisolated(nonsending) func flushPartial() async {
        let id = dispatcher.makeChunkID()
        let chunk = state.withLock { state -> Numbered? in
            defer { state.partial.removeAll() }
            return Self.number(state.partial, id: id, in: &state)
        }
        if let chunk { await send(chunk) }
    }

    /// Sends a numbered chunk to the pool; a chunk that cannot be sent (the pool is shut down) fails its items.
    nonisolated(nonsending) func send(_ chunk: Numbered) async {
        let count = chunk.inputs.count
        let sequence = chunk.sequence
        do {
            let request: [UInt8]
            do {
                request = try MessagePackEncoder().encode(chunk.inputs)
            } catch {
                throw TractorError(.encodingFailed, "could not encode the inputs of job '\(job.name)'", cause: error)
            }
            let payload = ChunkPayload(
                request: request,
                deliver: { [self] result in store(sequence, Completed(result: result, count: count)) },
                started: nil
            )
            try await dispatcher.enqueue(
                .init(id: chunk.id, job: job.name, itemCount: count, timeout: nil, payload: payload, ofMap: true)
            )
        } catch {
            store(sequence, Completed(result: .failure(error), count: count))
        }
    }

    /// Keeps a chunk's results for the consumer, and wakes it if it waits for them (an ordered map's consumer waits
    /// for one chunk; chunks that come back before it only wait).
    func store(_ sequence: Int, _ completed: Completed) {
        let wake = state.withLock { state -> Bool in
            state.done[sequence] = completed
            if !ordered { state.arrivals.append(sequence) }
            return state.awaited == nil || state.awaited == sequence
        }
        if wake { consumerWakeUp.signal() }
    }

    /// Ends the map: no more submissions, and every chunk still out is cancelled.
    func cancel() {
        let ids = state.withLock { state -> [ChunkID] in
            state.cancelled = true
            state.partial.removeAll()
            defer { state.outstanding.removeAll() }
            return Array(state.outstanding.values)
        }
        for id in ids { _ = dispatcher.cancel(id) }
        readerWakeUp.signal()
    }

    /// Reads an asynchronous input into chunks until it ends, the map is cancelled, or the read-ahead is full
    /// (then waits for room). Runs in a task of its own.
    func read<Inputs: AsyncSequence>(_ inputs: Inputs, chunkSize: Int?, readAhead: Int) async
    where Inputs.Element == Input {
        var iterator = inputs.makeAsyncIterator()
        var target = 1
        do {
            while true {
                while state.withLock({
                    $0.outstanding.count + ($0.partial.isEmpty ? 0 : 1) >= readAhead && !$0.cancelled
                }) {
                    await readerWakeUp.wait()
                    try Task.checkCancellation()
                }
                try Task.checkCancellation()
                guard let element = try await iterator.next() else { break }
                let id = dispatcher.makeChunkID()
                let (full, first, cancelled) = state.withLock { state -> (Numbered?, Bool, Bool) in
                    guard !state.cancelled else { return (nil, false, true) }
                    state.partial.append(element)
                    guard state.partial.count >= target else { return (nil, state.partial.count == 1, false) }
                    defer { state.partial.removeAll() }
                    return (Self.number(state.partial, id: id, in: &state), false, false)
                }
                if cancelled { return }
                if first { consumerWakeUp.signal() }
                if let full {
                    await send(full)
                    target = chunkSize.map { dispatcher.mapChunkSize(for: job.name, chunkSize: $0) }
                        ?? dispatcher.chunkSize(for: job.name)
                }
            }
            await flushPartial()
            state.withLock { $0.inputEnded = true }
        } catch {
            // The items read before the error are delivered before it.
            await flushPartial()
            state.withLock { state in
                state.inputEnded = true
                state.inputError = error
            }
        }
        consumerWakeUp.signal()
    }
}
