//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

extension ProcessPool {
    /// Reports the progress of a set of futures to `progress`: done (succeeded), failed, cancelled and in flight
    /// (queued or running), out of the number of futures; the report ends when the last one completes (at once if
    /// there are none).
    ///
    /// The futures are counted as they complete, by a completion callback each: nothing is counted for futures
    /// nobody reports on. A reporter with a handler gets it called on a task of the pool's; if the pool's scope ends
    /// before the futures do, that task is cancelled and the handler gets no more.
    ///
    /// ```swift
    /// var futures: [JobFuture<Int>] = []
    /// for range in ranges { futures.append(try await pool.submit(countPrimes, range)) }
    /// let progress = PoolProgress(every: .milliseconds(200)) { print($0) }
    /// try pool.reportProgress(of: futures, to: progress)
    /// let outcome = await pool.wait(futures)
    /// ```
    ///
    /// - Parameters:
    ///   - futures: The futures; one given twice counts once.
    ///   - progress: The reporter; it must not report on other work yet.
    /// - Throws: ``TractorError`` `.invalidArgument` when `progress` reports on other work already, or its
    ///   configuration is out of range; `.scopeClosed` outside the pool's scope.
    public func reportProgress<Output>(
        of futures: [JobFuture<Output>],
        to progress: PoolProgress
    ) throws(TractorError) {
        guard !mapReaders.isClosed else {
            throw TractorError(.scopeClosed, "reportProgress(of:to:) was called outside the pool's scope")
        }
        let futures = Self.distinct(futures)
        let tracker = FutureProgressTracker(count: futures.count, progress: progress)
        try progress.attach(owner: ObjectIdentifier(tracker)) { tracker.tally }
        if let body = progress.handlerTask() { _ = mapReaders.start(body) }
        tracker.endIfComplete()
        for future in futures {
            future.onCompletion { result in tracker.record(result) }
        }
    }
}

/// Counts the futures of one report as they complete, and ends the report with the last.
final class FutureProgressTracker: Sendable {
    private let state: Mutex<ProgressTally>
    private let progress: PoolProgress

    init(count: Int, progress: PoolProgress) {
        var tally = ProgressTally(expected: count)
        tally.took(count)
        tally.endInput()
        self.state = Mutex(tally)
        self.progress = progress
    }

    /// The counts so far.
    var tally: ProgressTally { state.withLock { $0 } }

    /// One future completed with `result`.
    func record<Output>(_ result: Result<Output, any Error>) {
        var delta = ProgressTally.Delta()
        switch result {
        case .success: delta.done = 1
        case .failure(let error) where error is CancellationError: delta.cancelled = 1
        case .failure: delta.failed = 1
        }
        let final = state.withLock { tally -> ProgressTally? in
            tally.add(delta)
            return Self.endIfComplete(&tally)
        }
        if let final { progress.end(final, owner: ObjectIdentifier(self)) }
    }

    /// Ends the report if every future has completed (there may be none).
    func endIfComplete() {
        if let final = state.withLock({ Self.endIfComplete(&$0) }) {
            progress.end(final, owner: ObjectIdentifier(self))
        }
    }

    /// Ends `tally` if nothing is in flight; returns it ended, the first time only.
    private static func endIfComplete(_ tally: inout ProgressTally) -> ProgressTally? {
        guard !tally.isEnded, tally.inFlight == 0 else { return nil }
        tally.end()
        return tally
    }
}
