//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension ProcessPool {
    /// Runs `job` on every input, in chunks across the workers, and yields the outputs in input order.
    ///
    /// Lazy and bounded: nothing runs until iteration starts; the inputs are read by the iterating task, in chunks,
    /// at most ``ProcessPoolConfiguration/mapReadAhead`` chunks (and at most `bufferSize` inputs) beyond the outputs
    /// consumed, so an endless sequence is fine. Chunks are sized from measured job time (a few milliseconds each)
    /// unless `chunkSize` says.
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
    ///
    /// // At most 100 lines read ahead of the outputs consumed, and a snapshot of the progress every 100 ms.
    /// let progress = PoolProgress(every: .milliseconds(100)) { print($0) }
    /// for try await record in pool.map(parse, over: lines, bufferSize: 100, progress: progress) { ... }
    /// ```
    ///
    /// - Parameters:
    ///   - job: The job; the workers' program must serve it.
    ///   - inputs: The inputs.
    ///   - chunkSize: Items per chunk; `nil`, the default, sizes chunks from measured job time. Chunks of a job
    ///     measured to take microseconds go several to a request (up to 32, while the request stays under a
    ///     fiftieth of ``ProcessPoolConfiguration/targetChunkDuration``); each item keeps its own result and error.
    ///     Below 1, the first `next()` throws ``TractorError`` `.invalidArgument` before anything is read.
    ///   - bufferSize: The most inputs taken from `inputs` and not yet consumed as outputs (CPython's
    ///     `Executor.map(buffersize=)`, counted in inputs): chunks are cut to fit. `nil`, the default, for the
    ///     pool's read-ahead alone (``ProcessPoolConfiguration/mapReadAhead``, in chunks), which bounds the map
    ///     either way. Below 1, the first `next()` throws ``TractorError`` `.invalidArgument` before anything is
    ///     read.
    ///   - timeout: How long the whole map may take, from this call; past it, the iteration throws
    ///     ``TractorError`` `.timedOut` and the rest is cancelled. `nil`, the default, for no limit.
    ///   - progress: A reporter to hand snapshots of the map's progress to (see ``PoolProgress``); the total is the
    ///     input's count when it is a `RandomAccessCollection`. `nil`, the default, for none: then nothing is
    ///     counted. A reporter already reporting on other work, or configured out of range, makes the first
    ///     `next()` throw ``TractorError`` `.invalidArgument`.
    /// - Returns: The outputs, as an asynchronous sequence for one task to iterate.
    @inlinable
    public func map<Input, Output, Inputs: Sequence>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        bufferSize: Int? = nil,
        timeout: Duration? = nil,
        progress: PoolProgress? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        let options = MapOptions(
            chunkSize: chunkSize, bufferSize: bufferSize, timeout: timeout, progress: progress,
            expectedTotal: progress == nil ? nil : Self.knownCount(inputs)
        )
        return makeMap(job, source: Self.source(inputs), options, ordered: true)
    }

    /// Runs `job` on every element of an asynchronous sequence and yields the outputs in input order.
    ///
    /// As `map(_:over:chunkSize:bufferSize:timeout:progress:)` over a `Sequence`, except that the elements are read
    /// by a task of their own (hence `Sendable`), within the read-ahead: waiting for the next element never holds
    /// back outputs already computed, and a chunk that the outputs wait for is sent before it is full. The total of
    /// the progress report is unknown until the input ends, unless ``PoolProgress/Configuration/total`` gives it.
    ///
    /// ```swift
    /// for try await digest in pool.map(sha256, over: fileChunks, bufferSize: 64) { ... }
    /// ```
    public func map<Input, Output, Inputs: AsyncSequence & Sendable>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        bufferSize: Int? = nil,
        timeout: Duration? = nil,
        progress: PoolProgress? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        let options = MapOptions(
            chunkSize: chunkSize, bufferSize: bufferSize, timeout: timeout, progress: progress, expectedTotal: nil
        )
        return makeMap(job, source: Self.source(inputs), options, ordered: true)
    }

    /// Runs `job` on every input and yields each output as its chunk completes, in no particular order
    /// (`multiprocessing`'s `imap_unordered`).
    ///
    /// As `map(_:over:chunkSize:bufferSize:timeout:progress:)` over a `Sequence`, without the wait for earlier
    /// items: a slow item does not hold back the others. ``PoolMapSequence/indexed()`` tells which input each
    /// output is for.
    ///
    /// ```swift
    /// for try await result in pool.mapUnordered(render, over: frames) { save(result) }
    ///
    /// for try await (index, result) in pool.mapUnordered(render, over: frames).indexed() {
    ///     save(result, as: "frame-\(index).png")
    /// }
    /// ```
    @inlinable
    public func mapUnordered<Input, Output, Inputs: Sequence>(
        _ job: Job<Input, Output>,
        over inputs: Inputs,
        chunkSize: Int? = nil,
        bufferSize: Int? = nil,
        timeout: Duration? = nil,
        progress: PoolProgress? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        let options = MapOptions(
            chunkSize: chunkSize, bufferSize: bufferSize, timeout: timeout, progress: progress,
            expectedTotal: progress == nil ? nil : Self.knownCount(inputs)
        )
        return makeMap(job, source: Self.source(inputs), options, ordered: false)
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
        bufferSize: Int? = nil,
        timeout: Duration? = nil,
        progress: PoolProgress? = nil
    ) -> PoolMapSequence<Input, Output> where Inputs.Element == Input {
        let options = MapOptions(
            chunkSize: chunkSize, bufferSize: bufferSize, timeout: timeout, progress: progress, expectedTotal: nil
        )
        return makeMap(job, source: Self.source(inputs), options, ordered: false)
    }

    @usableFromInline
    func makeMap<Input, Output>(
        _ job: Job<Input, Output>,
        source: PoolMapSequence<Input, Output>.Source,
        _ options: MapOptions,
        ordered: Bool
    ) -> PoolMapSequence<Input, Output> {
        PoolMapSequence(
            job: job,
            dispatcher: dispatcher,
            readers: mapReaders,
            source: source,
            options: options,
            deadline: options.timeout.map { .now + $0 },
            ordered: ordered
        )
    }

    /// The count of `inputs` when it is known without reading them: a `RandomAccessCollection`'s.
    @inlinable
    static func knownCount<Inputs: Sequence>(_ inputs: Inputs) -> Int? {
        (inputs as? any RandomAccessCollection)?.count
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
