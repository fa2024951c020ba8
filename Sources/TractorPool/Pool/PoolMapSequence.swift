//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The outputs of `ProcessPool.map(_:over:chunkSize:bufferSize:timeout:progress:)` and its relatives: an
/// asynchronous sequence for one task to iterate.
///
/// Nothing happens until iteration starts. Then the input is read in chunks, at most the pool's read-ahead of chunks
/// (and at most the map's `bufferSize` of inputs) beyond the outputs consumed: a `Sequence` by the iterating task
/// itself, an `AsyncSequence` by a task of its own
/// (so that waiting for the next input never holds back outputs already computed; the map ends that task with itself,
/// and the pool's scope awaits it). Outputs come in input order (or, from `mapUnordered`, as chunks complete). The
/// first error ends the sequence and cancels the chunks still out; so does leaving the loop early, cancelling the
/// iterating task, or the map's deadline passing.
///
/// ```swift
/// let squares: PoolMapSequence<Int, Int> = pool.map(square, over: 0..<1_000)
/// for try await square in squares { print(square) }
/// ```
///
/// ``indexed()`` pairs each output with its input's index, which tells where the outputs of `mapUnordered` belong.
///
/// - Important: Iterate it inside the pool's scope, from one task.
public struct PoolMapSequence<Input: Codable & Sendable, Output: Codable & Sendable>: AsyncSequence {
    /// The job's output for one input.
    public typealias Element = Output
    /// The error of an item, of the map's deadline, or of the pool (typed throws are not used here).
    public typealias Failure = any Error

    /// Where the inputs come from.
    @usableFromInline
    enum Source {
        /// A `Sequence`: makes the function that reads up to n of its next elements.
        case sequence(() -> (Int) -> [Input])
        /// An `AsyncSequence`: reads it into the shared state (the body of the map's reader task).
        case asyncSequence(@Sendable (MapShared<Input, Output>, Int?, Int) async -> Void)
    }

    let job: Job<Input, Output>
    let dispatcher: PoolDispatcher
    let readers: MapReaders
    let source: Source
    let options: MapOptions
    let deadline: ContinuousClock.Instant?
    let ordered: Bool

    init(
        job: Job<Input, Output>, dispatcher: PoolDispatcher, readers: MapReaders, source: Source, options: MapOptions,
        deadline: ContinuousClock.Instant?, ordered: Bool
    ) {
        self.job = job
        self.dispatcher = dispatcher
        self.readers = readers
        self.source = source
        self.options = options
        self.deadline = deadline
        self.ordered = ordered
    }

    /// Starts the map.
    public func makeAsyncIterator() -> Iterator {
        Iterator(
            engine: MapEngine(
                job: job, dispatcher: dispatcher, readers: readers, source: source, options: options,
                deadline: deadline, ordered: ordered
            )
        )
    }

    /// Hands the outputs out; its `next` takes them from the batch of the last chunk without suspending.
    public struct Iterator: AsyncIteratorProtocol {
        @usableFromInline let engine: MapEngine<Input, Output>
        @usableFromInline var batch: [Output] = []
        @usableFromInline var index = 0
        /// The index in the map's input of the first output of ``batch``.
        @usableFromInline var batchStart = 0

        /// The index in the map's input of the output `next` returned last.
        @inlinable var lastInputIndex: Int { batchStart + index - 1 }

        init(engine: MapEngine<Input, Output>) {
            self.engine = engine
        }

        /// The next output, or `nil` at the end.
        ///
        /// - Throws: The error of the item reached (the job's error: as the type the job declares, else as a
        ///   ``RemoteActorError`` whose `inputIndex` names the input; ``WorkerCrashed``, …),
        ///   ``TractorError`` `.timedOut` past the map's deadline, `CancellationError` when the task is cancelled.
        @inlinable
        public mutating func next() async throws -> Output? {
            try await next(isolation: nil)
        }

        /// The next output, or `nil` at the end, keeping the caller's isolation.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Output? {
            if index < batch.count {
                index += 1
                return batch[index - 1]
            }
            return try await refill(isolation: actor)
        }

        @usableFromInline
        mutating func refill(isolation actor: isolated (any Actor)?) async throws -> Output? {
            batch = []
            guard let (next, firstIndex) = try await engine.nextBatch(isolation: actor) else { return nil }
            batch = next
            batchStart = firstIndex
            index = 1
            return next[0]
        }
    }
}

/// The per-call settings of one map.
@usableFromInline
struct MapOptions {
    var chunkSize: Int?
    var bufferSize: Int?
    var timeout: Duration?
    var progress: PoolProgress?
    /// How many inputs there are, when the input can tell at no cost (a `RandomAccessCollection`), for the progress
    /// report.
    var expectedTotal: Int?

    @usableFromInline
    init(chunkSize: Int?, bufferSize: Int?, timeout: Duration?, progress: PoolProgress?, expectedTotal: Int?) {
        self.chunkSize = chunkSize
        self.bufferSize = bufferSize
        self.timeout = timeout
        self.progress = progress
        self.expectedTotal = expectedTotal
    }
}

@available(*, unavailable)
extension PoolMapSequence: Sendable {}

@available(*, unavailable)
extension PoolMapSequence.Iterator: Sendable {}
