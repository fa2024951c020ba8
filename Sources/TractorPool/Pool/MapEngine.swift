//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The consuming side of one `map`: submits chunks within the read-ahead (reading a `Sequence` input itself, or
/// starting the reader of an `AsyncSequence` input), and hands outputs out in batches, in order or as they come.
/// Used by the one task that iterates; never shared.
@usableFromInline
final class MapEngine<Input: Codable & Sendable, Output: Codable & Sendable> {
    private let shared: MapShared<Input, Output>
    private let dispatcher: PoolDispatcher
    private var source: PoolMapSequence<Input, Output>.Source?
    /// Reads up to n elements of a `Sequence` input; `nil` once it has ended (or for an `AsyncSequence` input).
    private var readBatch: ((Int) -> [Input])?
    private var reader: Task<Void, Never>?
    private let chunkSize: Int?
    private let timeout: Duration?
    private let deadline: ContinuousClock.Instant?
    private let ordered: Bool
    private let readAhead: Int
    /// The chunk number an ordered map hands out next.
    private var nextToTake = 0
    /// A chunk with failed items, handed out up to ``pendingIndex``.
    private var pending: ChunkOutputs<Output>?
    private var pendingIndex = 0
    private var finished = false
    /// An argument out of range: thrown by every call, before anything is read or submitted.
    private var failure: TractorError?

    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, source: PoolMapSequence<Input, Output>.Source,
        chunkSize: Int?, timeout: Duration?, deadline: ContinuousClock.Instant?, ordered: Bool
    ) {
        self.shared = MapShared(job: job, dispatcher: dispatcher, ordered: ordered)
        self.dispatcher = dispatcher
        self.source = source
        self.chunkSize = chunkSize
        if let chunkSize, chunkSize < 1 {
            failure = TractorError(.invalidArgument, "a map's chunkSize must be at least 1, or nil to size chunks by time, not \(chunkSize)")
        }
        self.timeout = timeout
        self.deadline = deadline
        self.ordered = ordered
        self.readAhead = dispatcher.mapReadAhead
    }

    deinit {
        reader?.cancel()
        shared.cancel()
    }

    /// The next outputs: a non-empty run of them, or `nil` at the end. The error of a failed item is thrown after
    /// the outputs before it have been handed out; it ends the map.
    @usableFromInline
    func nextBatch(isolation actor: isolated (any Actor)?) async throws -> [Output]? {
        if let failure { throw failure }
        while !finished {
            if let pending {
                if let batch = try takePending(pending) { return batch }
                continue
            }
            do {
                start()
                try await topUp(isolation: actor)
                guard let outputs = try await takeOutputs(isolation: actor) else {
                    finish()
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
                finish()
                throw error
            }
        }
        return nil
    }

    /// The successes at the head of a chunk with failures, or its next failure (thrown, ending the map).
    private func takePending(_ outputs: ChunkOutputs<Output>) throws -> [Output]? {
        var batch: [Output] = []
        while pendingIndex < outputs.count {
            switch outputs.result(at: pendingIndex) {
            case .success(let output):
                batch.append(output)
                pendingIndex += 1
            case .failure(let error):
                if !batch.isEmpty { return batch }
                finish()
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
        case .asyncSequence(let startReader):
            reader = startReader(shared, chunkSize, readAhead)
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
            guard shared.state.withLock({ $0.outstanding.count }) < readAhead else { break }
            let inputs = read(size)
            if inputs.count < size {
                readBatch = nil
                shared.state.withLock { $0.inputEnded = true }
            }
            if !inputs.isEmpty { await shared.submit(inputs) }
            try Task.checkCancellation()
        }
    }

    private enum Take {
        case outputs(MapShared<Input, Output>.Completed)
        case exhausted
        case failed(any Error)
        case flush
        case wait
    }

    /// Waits for the next chunk's outputs: the next in input order, or (unordered) whichever is done first; `nil`
    /// once every input has been delivered.
    private func takeOutputs(isolation actor: isolated (any Actor)?) async throws -> ChunkOutputs<Output>? {
        while true {
            let take = shared.state.withLock { state -> Take in
                state.awaited = nil
                let sequence = ordered ? nextToTake : state.arrivals.first
                if let sequence, let completed = state.done.removeValue(forKey: sequence) {
                    state.outstanding[sequence] = nil
                    if !ordered { state.arrivals.removeFirst() }
                    return .outputs(completed)
                }
                let submittedAhead = ordered ? state.nextSequence > nextToTake : !state.outstanding.isEmpty
                if !submittedAhead {
                    if !state.partial.isEmpty { return .flush }
                    if state.inputEnded { return state.inputError.map { .failed($0) } ?? .exhausted }
                }
                if ordered, submittedAhead { state.awaited = nextToTake }
                return .wait
            }
            switch take {
            case .outputs(let completed):
                if ordered { nextToTake += 1 }
                shared.readerWakeUp.signal()
                return ChunkOutputs(completed.result, count: completed.count, job: shared.job.name)
            case .exhausted:
                return nil
            case .failed(let error):
                throw error
            case .flush:
                await shared.flushPartial()
                continue
            case .wait:
                break
            }
            try Task.checkCancellation()
            if let deadline, ContinuousClock.now >= deadline {
                throw TractorError(
                    .timedOut,
                    "map of job '\(shared.job.name)' did not complete within \(timeout ?? .zero); the rest is cancelled"
                )
            }
            await shared.consumerWakeUp.wait(until: deadline)
        }
    }

    private func finish() {
        finished = true
        readBatch = nil
        pending = nil
        reader?.cancel()
        shared.cancel()
    }
}
