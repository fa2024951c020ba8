//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The consuming side of one `map`: submits chunks within the read-ahead (reading a `Sequence` input itself, or
/// starting the reader of an `AsyncSequence` input, which it owns), and hands outputs out in batches, in order or as
/// they come, each with the index of its first input. Used by the one task that iterates; never shared.
@usableFromInline
final class MapEngine<Input: Codable & Sendable, Output: Codable & Sendable> {
    private let shared: MapShared<Input, Output>
    private let dispatcher: PoolDispatcher
    private let readers: MapReaders
    private var source: PoolMapSequence<Input, Output>.Source?
    /// Reads up to n elements of a `Sequence` input; `nil` once it has ended (or for an `AsyncSequence` input).
    private var readBatch: ((Int) -> [Input])?
    /// The task reading an `AsyncSequence` input: cancelled when the map ends, and awaited then.
    private var reader: Task<Void, Never>?
    /// The task feeding the progress reporter's handler: awaited when the map ends, once it has had the final
    /// snapshot.
    private var progressHandler: Task<Void, Never>?
    private let chunkSize: Int?
    /// The most inputs read ahead of the outputs consumed; `nil` for the pool's read-ahead alone.
    private let bufferSize: Int?
    private let timeout: Duration?
    private let deadline: ContinuousClock.Instant?
    private let readAhead: Int
    /// A chunk id for the partial chunk of an asynchronous input, should the consumer have to send it.
    private var spareID: ChunkID?
    /// A chunk with failed items, handed out up to ``pendingIndex``; its first input's index.
    private var pending: ChunkOutputs<Output>?
    private var pendingFirstIndex = 0
    private var pendingIndex = 0
    private var finished = false
    /// An argument out of range: thrown by every call, before anything is read or submitted.
    private var failure: TractorError?

    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, readers: MapReaders,
        source: PoolMapSequence<Input, Output>.Source, options: MapOptions, deadline: ContinuousClock.Instant?,
        ordered: Bool
    ) {
        let (chunkSize, bufferSize, timeout) = (options.chunkSize, options.bufferSize, options.timeout)
        self.shared = MapShared(
            job: job, dispatcher: dispatcher, ordered: ordered, inputLimit: bufferSize, progress: options.progress,
            expectedTotal: options.expectedTotal
        )
        self.dispatcher = dispatcher
        self.readers = readers
        self.source = source
        self.chunkSize = chunkSize
        self.bufferSize = bufferSize
        if let chunkSize, chunkSize < 1 {
            failure = TractorError(.invalidArgument, "a map's chunkSize must be at least 1, or nil to size chunks by time, not \(chunkSize)")
        } else if let bufferSize, bufferSize < 1 {
            failure = TractorError(
                .invalidArgument, "a map's bufferSize must be at least 1, or nil for the pool's read-ahead, not \(bufferSize)"
            )
        }
        self.timeout = timeout
        self.deadline = deadline
        self.readAhead = dispatcher.mapReadAhead
    }

    /// A dropped iterator cannot wait: its reader ends (the map is cancelled, and so is its task), and the pool's
    /// scope awaits it.
    deinit {
        shared.cancel()
        reader?.cancel()
    }

    /// The next outputs: a non-empty run of them, with the index of the first one's input, or `nil` at the end.
    /// The error of a failed item is thrown after the outputs before it have been handed out; it ends the map.
    @usableFromInline
    func nextBatch(isolation actor: isolated (any Actor)?) async throws -> (outputs: [Output], firstIndex: Int)? {
        if let failure {
            finished = true
            // A reporter given with a bad argument ends, so that nobody waits for its snapshots.
            shared.cancel()
            throw failure
        }
        // Every output handed out before this call has been consumed.
        if bufferSize != nil { shared.outputsConsumed() }
        while !finished {
            do {
                if let pending {
                    if let batch = try takePending(pending) { return batch }
                    continue
                }
                try start()
                try await topUp(isolation: actor)
                guard let (outputs, firstIndex) = try await takeOutputs(isolation: actor) else {
                    await finish(isolation: actor)
                    return nil
                }
                switch outputs {
                case .values(let values):
                    if !values.isEmpty { return (values, firstIndex) }
                case .mixed, .failed:
                    pending = outputs
                    pendingFirstIndex = firstIndex
                    pendingIndex = 0
                }
            } catch {
                await finish(isolation: actor)
                throw error
            }
        }
        return nil
    }

    /// The successes at the head of a chunk with failures, or its next failure (thrown).
    private func takePending(_ outputs: ChunkOutputs<Output>) throws -> (outputs: [Output], firstIndex: Int)? {
        var batch: [Output] = []
        let firstIndex = pendingFirstIndex + pendingIndex
        while pendingIndex < outputs.count {
            switch outputs.result(at: pendingIndex) {
            case .success(let output):
                batch.append(output)
                pendingIndex += 1
            case .failure(let error):
                if !batch.isEmpty { return (batch, firstIndex) }
                throw error
            }
        }
        pending = nil
        return batch.isEmpty ? nil : (batch, firstIndex)
    }

    /// Starts reading the input, and the progress report, on the first call.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when the progress reporter cannot report on this map.
    private func start() throws(TractorError) {
        guard let source else { return }
        self.source = nil
        if let progress = shared.progress {
            try progress.attach(owner: ObjectIdentifier(shared)) { [shared] in shared.progressTally() }
            if let body = progress.handlerTask() { progressHandler = readers.start(body) }
        }
        switch source {
        case .sequence(let makeReader):
            readBatch = makeReader()
        case .asyncSequence(let read):
            let (shared, chunkSize, readAhead) = (shared, chunkSize, readAhead)
            reader = readers.start { await read(shared, chunkSize, readAhead) }
            if reader == nil { shared.inputFailed(PoolDispatcher.scopeEnded) }
        }
    }

    /// Reads and submits chunks of a `Sequence` input until the read-ahead is full or the input ends.
    private func topUp(isolation actor: isolated (any Actor)?) async throws {
        var limit: Int?
        while let read = readBatch {
            var size = chunkSize.map { dispatcher.mapChunkSize(for: shared.job.name, chunkSize: $0) }
                ?? dispatcher.chunkSize(for: shared.job.name)
            // Once per top-up: the read-ahead follows the measured job time, which moves slowly.
            let readAhead = limit ?? dispatcher.mapReadAhead(job: shared.job.name, itemCount: size)
            limit = readAhead
            let room = shared.readRoom(readAhead: readAhead)
            guard room > 0 else { break }
            size = Swift.min(size, room)
            let inputs = read(size)
            let last = inputs.count < size
            if last { readBatch = nil }
            await shared.submit(inputs, last: last)
            try Task.checkCancellation()
        }
    }

    /// Waits for the next chunk's outputs: the next in input order, or (unordered) whichever is done first; `nil`
    /// once every input has been delivered.
    private func takeOutputs(
        isolation actor: isolated (any Actor)?
    ) async throws -> (outputs: ChunkOutputs<Output>, firstIndex: Int)? {
        var step = shared.next(id: chunkID())
        while true {
            switch step {
            case .outputs(let completed):
                let outputs = ChunkOutputs<Output>(
                    completed.result, count: completed.count, job: shared.job.name, errors: shared.job.errorCoding,
                    firstIndex: completed.firstIndex
                )
                return (outputs, completed.firstIndex)
            case .send(let chunk):
                spareID = nil
                await shared.send(chunk)
                step = shared.next(id: chunkID())
            case .ended:
                return nil
            case .failed(let error):
                throw error
            case .suspend:
                try Task.checkCancellation()
                if let deadline, ContinuousClock.now >= deadline {
                    throw TractorError(
                        .timedOut,
                        "map of job '\(shared.job.name)' did not complete within \(timeout ?? .zero); the rest is cancelled"
                    )
                }
                step = await shared.waitForNext(id: chunkID(), until: deadline)
            case .interrupted:
                step = shared.next(id: chunkID())
            }
        }
    }

    /// The id the partial chunk would take, kept until it does.
    private func chunkID() -> ChunkID {
        if let spareID { return spareID }
        let id = dispatcher.makeChunkID()
        spareID = id
        return id
    }

    /// Ends the map: the chunks still out are cancelled, the reader ends and is awaited, and so is the progress
    /// handler, once it has had the final snapshot.
    private func finish(isolation actor: isolated (any Actor)?) async {
        finished = true
        readBatch = nil
        pending = nil
        shared.cancel()
        if let reader {
            self.reader = nil
            reader.cancel()
            await reader.value
        }
        if let progressHandler {
            self.progressHandler = nil
            await progressHandler.value
        }
    }
}
