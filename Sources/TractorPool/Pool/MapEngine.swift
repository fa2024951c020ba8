//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The iterating side of one `map`: reads inputs into chunks, submits them within the read-ahead, and hands results
/// out in order (or as they come). Used by the one task that iterates; never shared.
final class MapEngine<Reader: PoolMapInput, Output: Codable & Sendable> where Reader.Element: Codable & Sendable {
    typealias Input = Reader.Element

    private let job: Job<Input, Output>
    private let dispatcher: PoolDispatcher
    private var reader: Reader?
    private let chunkSize: Int?
    private let timeout: Duration?
    private let deadline: ContinuousClock.Instant?
    private let ordered: Bool
    private let readAhead: Int
    private let collector: MapCollector<Output>

    /// Chunks submitted whose results have not been taken, by sequence number.
    private var outstanding: [Int: ChunkID] = [:]
    private var nextSequence = 0
    /// The sequence number an ordered map hands out next.
    private var nextToTake = 0
    private var buffer: [Result<Output, any Error>] = []
    private var bufferIndex = 0
    private var finished = false

    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, reader: Reader, chunkSize: Int?, timeout: Duration?,
        deadline: ContinuousClock.Instant?, ordered: Bool
    ) {
        self.job = job
        self.dispatcher = dispatcher
        self.reader = reader
        self.chunkSize = chunkSize.map { Swift.max(1, $0) }
        self.timeout = timeout
        self.deadline = deadline
        self.ordered = ordered
        self.readAhead = dispatcher.mapReadAhead
        self.collector = MapCollector(ordered: ordered)
    }

    deinit {
        cancelOutstanding()
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
                try await topUp(isolation: actor)
                if outstanding.isEmpty, reader == nil {
                    finish()
                    return nil
                }
                buffer = try await takeResults(isolation: actor)
                bufferIndex = 0
            } catch {
                finish()
                throw error
            }
        }
        return nil
    }

    /// Reads and submits chunks until the read-ahead is full or the input ends.
    private func topUp(isolation actor: isolated (any Actor)?) async throws {
        while outstanding.count < readAhead, var input = reader {
            reader = nil
            let size = chunkSize.map { dispatcher.limitToQuota($0) } ?? dispatcher.chunkSize(for: job.name)
            var inputs: [Input] = []
            inputs.reserveCapacity(Swift.min(size, 1 << 16))
            while inputs.count < size, let element = try await input.next(isolation: actor) {
                inputs.append(element)
            }
            if inputs.count == size { reader = input }
            guard !inputs.isEmpty else { return }
            try await submit(inputs, isolation: actor)
        }
    }

    private func submit(_ inputs: [Input], isolation actor: isolated (any Actor)?) async throws {
        let sequence = nextSequence
        nextSequence += 1
        let request: [UInt8]
        do {
            request = try MessagePackEncoder().encode(ChunkRequest(job: job.name, inputs: inputs))
        } catch {
            throw TractorError(.encodingFailed, "could not encode the inputs of job '\(job.name)'", cause: error)
        }
        let collector = self.collector
        let count = inputs.count
        let jobName = job.name
        let payload = ChunkPayload(
            request: request,
            deliver: { result in collector.store(sequence, ChunkDecoding.results(of: result, count: count, job: jobName)) },
            started: nil
        )
        let id = dispatcher.makeChunkID()
        try await dispatcher.enqueue(.init(id: id, job: job.name, itemCount: count, timeout: nil, payload: payload))
        outstanding[sequence] = id
    }

    /// Waits for the next chunk's results: the next in input order, or (unordered) whichever is done first.
    private func takeResults(isolation actor: isolated (any Actor)?) async throws -> [Result<Output, any Error>] {
        while true {
            if let (sequence, results) = collector.take(ordered ? nextToTake : nil) {
                outstanding[sequence] = nil
                if ordered { nextToTake += 1 }
                return results
            }
            try Task.checkCancellation()
            if let deadline, ContinuousClock.now >= deadline {
                throw TractorError(
                    .timedOut, "map of job '\(job.name)' did not complete within \(timeout ?? .zero); the rest is cancelled"
                )
            }
            await collector.wakeUp.wait(until: deadline)
        }
    }

    private func finish() {
        finished = true
        reader = nil
        buffer = []
        cancelOutstanding()
    }

    private func cancelOutstanding() {
        for id in outstanding.values { _ = dispatcher.cancel(id) }
        outstanding.removeAll()
    }
}

/// Where a map's chunks leave their results, for the iterating task to take.
final class MapCollector<Output: Sendable>: Sendable {
    let wakeUp = WakeUp()
    private let ordered: Bool
    private let state = Mutex<(done: [Int: [Result<Output, any Error>]], arrivals: [Int])>(([:], []))

    init(ordered: Bool) {
        self.ordered = ordered
    }

    func store(_ sequence: Int, _ results: [Result<Output, any Error>]) {
        state.withLock { state in
            state.done[sequence] = results
            if !ordered { state.arrivals.append(sequence) }
        }
        wakeUp.signal()
    }

    /// The results of chunk `sequence`, or (with `nil`, unordered) of the chunk that completed first; `nil` if
    /// they are not there yet.
    func take(_ sequence: Int?) -> (Int, [Result<Output, any Error>])? {
        state.withLock { state in
            if let sequence {
                return state.done.removeValue(forKey: sequence).map { (sequence, $0) }
            }
            guard !state.arrivals.isEmpty else { return nil }
            let first = state.arrivals.removeFirst()
            return (first, state.done.removeValue(forKey: first)!)
        }
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
