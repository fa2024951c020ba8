//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The outputs of ``ProcessPool/map(_:over:chunkSize:timeout:)-(_,Sequence,_,_)`` and its relatives: an
/// asynchronous sequence read by one task.
///
/// Nothing happens until iteration starts. Then the input is read in chunks, at most the pool's read-ahead of chunks
/// beyond the results consumed: a `Sequence` by the iterating task itself, an `AsyncSequence` by a task of its own
/// (so that waiting for the next input never holds back outputs already computed). Outputs come in input order (or,
/// unordered, as chunks complete). The first error ends the sequence and cancels the chunks still out; so does
/// leaving the loop early, cancelling the iterating task, or the deadline passing.
struct PoolMapSequence<Input: Codable & Sendable, Output: Codable & Sendable>: AsyncSequence {
    typealias Element = Output
    typealias Failure = any Error

    /// Where the inputs come from.
    enum Source {
        /// A `Sequence`: makes the function that reads its next element.
        case sequence(() -> () -> Input?)
        /// An `AsyncSequence`: starts the task that reads it into the shared state.
        case asyncSequence(@Sendable (MapShared<Input, Output>, Int?, Int) -> Task<Void, Never>)
    }

    let job: Job<Input, Output>
    let dispatcher: PoolDispatcher
    let source: Source
    let chunkSize: Int?
    let timeout: Duration?
    let deadline: ContinuousClock.Instant?
    let ordered: Bool

    func makeAsyncIterator() -> Iterator {
        Iterator(
            engine: MapEngine(
                job: job, dispatcher: dispatcher, source: source, chunkSize: chunkSize, timeout: timeout,
                deadline: deadline, ordered: ordered
            )
        )
    }

    struct Iterator: AsyncIteratorProtocol {
        let engine: MapEngine<Input, Output>

        mutating func next() async throws -> Output? {
            try await engine.next(isolation: nil)
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Output? {
            try await engine.next(isolation: actor)
        }
    }
}

@available(*, unavailable)
extension PoolMapSequence: Sendable {}

@available(*, unavailable)
extension PoolMapSequence.Iterator: Sendable {}
