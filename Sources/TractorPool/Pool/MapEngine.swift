//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The consuming side of one `map`: submits chunks within the read-ahead (reading a `Sequence` input itself, or
/// starting the reader of an `AsyncSequence` input, which it owns), and hands outputs out in batches, in order or as
/// they come. Used by the one task that iterates; never shared.
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
    private let chunkSize: Int?
    private let timeout: Duration?
    private let deadline: ContinuousClock.Instant?
    private let readAhead: Int
    /// A chunk id for the partial chunk of an asynchronous input, should the consumer have to send it.
    private var spareID: ChunkID?
    /// A chunk with failed items, handed out up to ``pendingIndex``.
    private var pending: ChunkOutputs<Output>?
    private var pendingIndex = 0
    private var finished = false
    /// An argument out of range: thrown by every call, before anything is read or submitted.
    private var failure: TractorError?

    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, readers: MapReaders,
        source: PoolMapSequence<Input, Output>.Source, chunkSize: Int?, timeout: Duration?,
        deadline: ContinuousClock.Instant?, ordered: Bool
    ) {
        self.shared = MapShared(job: job, dispatcher: dispatcher, ordered: ordered)
        self.dispatcher = dispatcher
        self.readers = readers
        self.source = source
        self.chunkSize = chunkSize
        if let chunkSize, chunkSize < 1 {
            failure = TractorError(.invalidArgument, "a map's chunkSize must be at least 1, or nil to size chunks by time, not \(chunkSize)")
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

    /// The next outputs: a non-empty run of them, or `nil` at the end. The error of a failed item is thrown after
    /// the outputs before it have been handed out; it ends the map.
    @usableFromInline
    func nextBatch(isolation actor: isolated (any Actor)?) async throws -> [Output]? {
        if let failure { throw failure }
        while !finished {
            do {
                if let pending {
                    if let batch = try takePending(pending) { return batch }
                    continue
                }
                start()
                try await topUp(isolation: actor)
                guard let outputs = try await takeOutputs(isolation: actor) else {
                    await finish(isolation: actor)
                    return nil
                }
                switch outputs {
                case .values(let values):
                    if !values.isEmpty { return values }
                case .mixed, .failed:
                    pending = outputs
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
    private func takePending(_ outputs: ChunkOutputs<Output>) throws -> [Output]? {
        var batch: [Output] = []
        while pendingIndex < outputs.count {
            switch outputs.result(at: pendingIndex) {
            case .success(let output):
                batch.append(output)
                pendingIndex += 1
            case .failure(let error):
                if !batch.isEmpty { return batch }
                throw error
            }
        }
        pending = nil
        return batch.isEmpty ? nil : batch
    }

    /// Starts reading the input, on the first call.
    private func start() {
        guard let source else { return }
        self.source = nil
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
            let size = chunkSize.map { dispatcher.mapChunkSize(for: shared.job.name, chunkSize: $0) }
                ?? dispatcher.chunkSize(for: shared.job.name)
            // Once per top-up: the read-ahead follows the measured job time, which moves slowly.
            let readAhead = limit ?? dispatcher.mapReadAhead(job: shared.job.name, itemCount: size)
            limit = readAhead
            guard shared.mayRead(readAhead: readAhead) else { break }
            let inputs = read(size)
            let last = inputs.count < size
            if last { readBatch = nil }
            await shared.submit(inputs, last: last)
            try Task.checkCancellation()
        }
    }

    /// Waits for the next chunk's outputs: the next in input order, or (unordered) whichever is done first; `nil`
    /// once every input has been delivered.
    private func takeOutputs(isolation actor: isolated (any Actor)?) async throws -> ChunkOutputs<Output>? {
        var step = shared.next(id: chunkID())
        while true {
            switch step {
            case .outputs(let completed):
                return ChunkOutputs(
                    completed.result, count: completed.count, job: shared.job.name, errors: shared.job.errorCoding,
                    firstIndex: completed.firstIndex
                )
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

    /// Ends the map: the chunks still out are cancelled, and the reader ends and is awaited.
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
    }
}
