//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The consuming side of one `map`: submits chunks within the read-ahead (reading a `Sequence` input itself, or
/// starting the reader of an `AsyncSequence` input), and hands outputs out in order, or as they come. Used by the one
/// task that iterates; never shared.
final class MapEngine<Input: Codable & Sendable, Output: Codable & Sendable> {
    private let shared: MapShared<Input, Output>
    private let dispatcher: PoolDispatcher
    private var source: PoolMapSequence<Input, Output>.Source?
    /// Reads the next element of a `Sequence` input; `nil` once it has ended (or for an `AsyncSequence` input).
    private var readNext: (() -> Input?)?
    private var reader: Task<Void, Never>?
    private let chunkSize: Int?
    private let timeout: Duration?
    private let deadline: ContinuousClock.Instant?
    private let ordered: Bool
    private let readAhead: Int
    /// The chunk number an ordered map hands out next.
    private var nextToTake = 0
    private var buffer: [Result<Output, any Error>] = []
    private var bufferIndex = 0
    private var finished = false

    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, source: PoolMapSequence<Input, Output>.Source,
        chunkSize: Int?, timeout: Duration?, deadline: ContinuousClock.Instant?, ordered: Bool
    ) {
        self.shared = MapShared(job: job, dispatcher: dispatcher, ordered: ordered)
        self.dispatcher = dispatcher
        self.source = source
        self.chunkSize = chunkSize.map { Swift.max(1, $0) }
        self.timeout = timeout
        self.deadline = deadline
        self.ordered = ordered
        self.readAhead = dispatcher.mapReadAhead
    }

    deinit {
        reader?.cancel()
        shared.cancel()
    }

    func next(isolation actor: isolated (any Actor)?) async throws -> Output? {
        while !finished {
            if bufferIndex < buffer.count {
                let result = buffer[bufferIndex]
                bufferIndex += 1
                switch result {
                case .success(let output):
                    return output
                case .failure(let error):
                    finish()
                    throw error
                }
            }
            do {
                start()
                try await topUp(isolation: actor)
                guard let results = try await takeResults(isolation: actor) else {
                    finish()
                    return nil
                }
                buffer = results
                bufferIndex = 0
            } catch {
                finish()
                throw error
            }
        }
        return nil
    }

    /// Starts reading the input, on the first call.
    private func start() {
        guard let source else { return }
        self.source = nil
        switch source {
        case .sequence(let makeReader):
            readNext = makeReader()
        case .asyncSequence(let startReader):
            reader = startReader(shared, chunkSize, readAhead)
        }
    }

    /// Reads and submits chunks of a `Sequence` input until the read-ahead is full or the input ends.
    private func topUp(isolation actor: isolated (any Actor)?) async throws {
        while let read = readNext, shared.state.withLock({ $0.outstanding.count }) < readAhead {
            let size = chunkSize.map { dispatcher.limitToQuota($0) } ?? dispatcher.chunkSize(for: shared.job.name)
            var inputs: [Input] = []
            inputs.reserveCapacity(Swift.min(size, 1 << 16))
            while inputs.count < size, let element = read() { inputs.append(element) }
            if inputs.count < size {
                readNext = nil
                shared.state.withLock { $0.inputEnded = true }
            }
            if !inputs.isEmpty { await shared.submit(inputs) }
            try Task.checkCancellation()
        }
    }

    private enum Take {
        case results([Result<Output, any Error>])
        case exhausted
        case failed(any Error)
        case flush
        case wait
    }

    /// Waits for the next chunk's results: the next in input order, or (unordered) whichever is done first; `nil`
    /// once every input has been delivered.
    private func takeResults(isolation actor: isolated (any Actor)?) async throws -> [Result<Output, any Error>]? {
        while true {
            let take = shared.state.withLock { state -> Take in
                let sequence = ordered ? nextToTake : state.arrivals.first
                if let sequence, let results = state.done.removeValue(forKey: sequence) {
                    state.outstanding[sequence] = nil
                    if !ordered { state.arrivals.removeFirst() }
                    return .results(results)
                }
                let submittedAhead = ordered ? state.nextSequence > nextToTake : !state.outstanding.isEmpty
                if !submittedAhead {
                    if !state.partial.isEmpty { return .flush }
                    if state.inputEnded { return state.inputError.map { .failed($0) } ?? .exhausted }
                }
                return .wait
            }
            switch take {
            case .results(let results):
                if ordered { nextToTake += 1 }
                shared.readerWakeUp.signal()
                return results
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
                    .timedOut, "map of job '\(shared.job.name)' did not complete within \(timeout ?? .zero); the rest is cancelled"
                )
            }
            await shared.consumerWakeUp.wait(until: deadline)
        }
    }

    private func finish() {
        finished = true
        readNext = nil
        buffer = []
        reader?.cancel()
        shared.cancel()
    }
}

/// Turning a chunk's reply into one result per item.
enum ChunkDecoding {
    static func results<Output: Decodable & Sendable>(
        of result: ChunkResult,
        count: Int,
        job: String
    ) -> [Result<Output, any Error>] {
        switch result {
        case .failure(let error):
            return Array(repeating: .failure(error), count: count)
        case .reply(let bytes):
            do {
                let reply = try MessagePackDecoder().decode(ChunkReply<Output>.self, from: bytes)
                let results = reply.results
                guard results.count == count else {
                    throw TractorError(.protocolViolation, "a chunk of \(count) items came back with \(results.count) results")
                }
                return results.map { $0.mapError { $0 } }
            } catch {
                let failure = TractorError(
                    .decodingFailed, "could not decode the outputs of job '\(job)' as \(Output.self)", cause: error
                )
                return Array(repeating: .failure(failure), count: count)
            }
        }
    }
}
