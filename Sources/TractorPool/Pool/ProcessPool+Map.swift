//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ProcessPool {
    /// Runs `job` on every input, in chunks across the workers, and yields the outputs in input order.
    ///
    /// Lazy and bounded: nothing runs until iteration starts; the inputs are read by the iterating task, in chunks,
    /// at most ``ProcessPoolConfiguration/mapReadAhead`` chunks beyond the outputs consumed, so an endless sequence
    /// is fine. Chunks are sized from measured job time (a few milliseconds each) unless `chunkSize` says.
    ///
    /// An item whose job throws raises its error when the iteration reaches it, after the items before it; that,
    /// the deadline, cancelling the iterating task, or leaving the loop early cancels every chunk still out. The
    /// error names the failed input's index: ``RemoteActorError``'s `inputIndex`, or, for an error of the type the
    /// job declares, `remote?.inputIndex` (when the type keeps its remote context).
    ///
    /// ```swift
    /// var total = 0
    /// for try await count in pool.map(countPrimes, over: ranges) {
    ///     total += count
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - job: The job; the workers' program must serve it.
    ///   - inputs: The inputs.
    ///   - chunkSize: Items per chunk; `nil`, the default, sizes chunks from measured job time. Chunks of a job
    ///     measured to take microseconds go several to a request (up to 32, while the request stays under a
    ///     fiftieth of ``ProcessPoolConfiguration/targetChunkDuration``); each item keeps its own result and error.
    ///     Below 1, the first `next()` throws ``TractorError`` `.invalidArgument` before anything is read.
    ///   - timeout: How long the whole map may take, from this call; past it, the iteration throws
    ///     ``TractorError`` `.timedOut` and the rest is cancelled. `nil`, the default, for no limit.
    /// - Returns: The outputs, as an asynchronous sequence for one task to iterate.
    @inlinable
    public func map<Input, Output, Inputs: Sequence>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        timeout: Duration? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        makeMap(job, source: Self.source(inputs), chunkSize, timeout, ordered: true)
    }

    /// Runs `job` on every element of an asynchronous sequence and yields the outputs in input order.
    ///
    /// As `map(_:over:chunkSize:timeout:)` over a `Sequence`, except that the elements are read by a task of their
    /// own (hence `Sendable`), within the read-ahead: waiting for the next element never holds back outputs already
    /// computed, and a chunk that the outputs wait for is sent before it is full.
    ///
    /// ```swift
    /// for try await digest in pool.map(sha256, over: fileChunks) { ... }
    /// ```
    public func map<Input, Output, Inputs: AsyncSequence & Sendable>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        timeout: Duration? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        makeMap(job, source: Self.source(inputs), chunkSize, timeout, ordered: true)
    }

    /// Runs `job` on every input and yields each output as its chunk completes, in no particular order
    /// (`multiprocessing`'s `imap_unordered`).
    ///
    /// As `map(_:over:chunkSize:timeout:)` over a `Sequence`, without the wait for earlier items: a slow item
    /// does not hold back the others.
    ///
    /// ```swift
    /// for try await result in pool.mapUnordered(render, over: frames) { save(result) }
    /// ```
    @inlinable
    public func mapUnordered<Input, Output, Inputs: Sequence>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        timeout: Duration? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        makeMap(job, source: Self.source(inputs), chunkSize, timeout, ordered: false)
    }

    /// Runs `job` on every element of an asynchronous sequence and yields the outputs as they complete.
    ///
    /// ```swift
    /// for try await thumbnail in pool.mapUnordered(resize, over: uploads) { publish(thumbnail) }
    /// ```
    public func mapUnordered<Input, Output, Inputs: AsyncSequence & Sendable>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        timeout: Duration? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        makeMap(job, source: Self.source(inputs), chunkSize, timeout, ordered: false)
    }

    @usableFromInline
    func makeMap<Input, Output>(
        _ job: Job<Input, Output>,
        source: PoolMapSequence<Input, Output>.Source,
        _ chunkSize: Int?,
        _ timeout: Duration?,
        ordered: Bool
    ) -> PoolMapSequence<Input, Output> {
        PoolMapSequence(
            job: job,
            dispatcher: dispatcher,
            readers: mapReaders,
            source: source,
            chunkSize: chunkSize,
            timeout: timeout,
            deadline: timeout.map { .now + $0 },
            ordered: ordered
        )
    }

    /// Reads a `Sequence` in batches; inlined into the caller, so that the reading loop is specialized for its types.
    @inlinable
    static func source<Inputs: Sequence, Output>(
        _ inputs: Inputs
    ) -> PoolMapSequence<Inputs.Element, Output>.Source {
        .sequence {
            var iterator = inputs.makeIterator()
            return { limit in
                var batch: [Inputs.Element] = []
                batch.reserveCapacity(Swift.min(limit, 1 << 16))
                while batch.count < limit, let element = iterator.next() { batch.append(element) }
                return batch
            }
        }
    }

    private static func source<Inputs: AsyncSequence & Sendable, Output>(
        _ inputs: Inputs
    ) -> PoolMapSequence<Inputs.Element, Output>.Source where Inputs.Element: Codable & Sendable {
        .asyncSequence { shared, chunkSize, readAhead in
            await shared.read(inputs, chunkSize: chunkSize, readAhead: readAhead)
        }
    }
}
