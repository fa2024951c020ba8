//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The results of ``ProcessPool/map(_:over:chunkSize:timeout:)-(_,Sequence,_,_)`` and its relatives: an
/// asynchronous sequence of outputs, read by one task.
///
/// Nothing happens until iteration starts. Then the input is read in chunks, at most the pool's read-ahead of chunks
/// beyond the results consumed, from the iterating task itself; results come in input order (or, unordered, as
/// chunks complete). The first error ends the sequence and cancels the chunks still out. So does leaving the loop
/// early, cancelling the iterating task, or the deadline passing.
struct PoolMapSequence<Reader: PoolMapInput, Output: Codable & Sendable>: AsyncSequence
where Reader.Element: Codable & Sendable {
    typealias Element = Output
    typealias Failure = any Error

    let job: Job<Reader.Element, Output>
    let dispatcher: PoolDispatcher
    let makeReader: () -> Reader
    let chunkSize: Int?
    let timeout: Duration?
    let deadline: ContinuousClock.Instant?
    let ordered: Bool

    func makeAsyncIterator() -> Iterator {
        Iterator(
            engine: MapEngine(
                job: job, dispatcher: dispatcher, reader: makeReader(), chunkSize: chunkSize, timeout: timeout,
                deadline: deadline, ordered: ordered
            )
        )
    }

    struct Iterator: AsyncIteratorProtocol {
        let engine: MapEngine<Reader, Output>

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

/// Where a `map` reads its inputs: a `Sequence`'s iterator or an `AsyncSequence`'s.
protocol PoolMapInput {
    associatedtype Element
    mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element?
}

/// The inputs of a `Sequence`.
struct SequenceInput<Base: IteratorProtocol>: PoolMapInput {
    var base: Base

    mutating func next(isolation actor: isolated (any Actor)?) async throws -> Base.Element? {
        base.next()
    }
}

/// The inputs of an `AsyncSequence`.
struct AsyncSequenceInput<Base: AsyncIteratorProtocol>: PoolMapInput {
    var base: Base

    mutating func next(isolation actor: isolated (any Actor)?) async throws -> Base.Element? {
        try await base.next(isolation: actor)
    }
}
