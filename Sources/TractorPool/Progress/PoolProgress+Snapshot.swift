//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PoolProgress {
    /// Where the work stood at one moment: items done, failed, cancelled and in flight, the total when known, the
    /// rate, and an estimate of the time left.
    ///
    /// The snapshots of one iteration are monotonic: ``done``, ``failed`` and ``cancelled`` never decrease, and
    /// ``done`` + ``failed`` + ``cancelled`` never exceeds ``total`` once it is known. The last one has
    /// ``isFinal`` set and accounts for everything: ``inFlight`` is 0, ``total`` is known, and
    /// ``done`` + ``failed`` + ``cancelled`` == ``total``.
    ///
    /// ```swift
    /// for await snapshot in progress {
    ///     print("\(snapshot.done)/\(snapshot.total ?? 0)", snapshot.rate ?? 0, "items/s")
    /// }
    /// ```
    public struct Snapshot: Sendable, Hashable, CustomStringConvertible {
        /// Items whose job returned.
        public var done: Int
        /// Items whose job threw, or that failed with their chunk: their worker crashed, they timed out, or the pool
        /// broke.
        public var failed: Int
        /// Items that will not run to their end: cancelled, or (in the final snapshot of work that ended early,
        /// such as a `map` that stopped at an error or was left) abandoned in flight or never read from the input.
        public var cancelled: Int
        /// Items taken from the input (or futures submitted) that have not ended yet: queued, running, or on their
        /// way back.
        public var inFlight: Int
        /// How many items the work has, when known: a `RandomAccessCollection` input's count, the total given in
        /// ``PoolProgress/Configuration/total``, the number of futures, or what the input held once it has ended.
        /// Always known in the final snapshot.
        public var total: Int?
        /// The time since the work started (since the final snapshot: how long it took).
        public var elapsed: Duration
        /// Items ended (done or failed) per second, over the sliding window of
        /// ``PoolProgress/Configuration/rateWindow``; in the final snapshot, over the whole run. `nil` until time
        /// has passed.
        public var rate: Double?
        /// The time left at the current ``rate``, when the total is known and the rate is not zero; zero in the
        /// final snapshot.
        public var estimatedTimeRemaining: Duration?
        /// Whether this is the last snapshot: the work has ended.
        public var isFinal: Bool

        /// A snapshot of these figures, for drawing one's own (a renderer's tests, a replay).
        ///
        /// ```swift
        /// let half = PoolProgress.Snapshot(done: 50, total: 100, elapsed: .seconds(5), rate: 10)
        /// ```
        public init(
            done: Int = 0,
            failed: Int = 0,
            cancelled: Int = 0,
            inFlight: Int = 0,
            total: Int? = nil,
            elapsed: Duration = .zero,
            rate: Double? = nil,
            estimatedTimeRemaining: Duration? = nil,
            isFinal: Bool = false
        ) {
            self.done = done
            self.failed = failed
            self.cancelled = cancelled
            self.inFlight = inFlight
            self.total = total
            self.elapsed = elapsed
            self.rate = rate
            self.estimatedTimeRemaining = estimatedTimeRemaining
            self.isFinal = isFinal
        }

        /// Items that have ended, done or failed.
        public var finished: Int { done + failed }

        /// The part of the total that has ended (done, failed or cancelled), from 0 to 1; `nil` while the total is
        /// unknown. An empty total is complete.
        public var fractionCompleted: Double? {
            guard let total else { return nil }
            guard total > 0 else { return 1 }
            return Swift.min(1, Double(done + failed + cancelled) / Double(total))
        }

        /// `"640/1000 done, 2 failed, 64 in flight, 812.5 items/s, 0:00:01 left"`, naming only what applies.
        public var description: String {
            var parts = [total.map { "\(done)/\($0) done" } ?? "\(done) done"]
            if failed > 0 { parts.append("\(failed) failed") }
            if cancelled > 0 { parts.append("\(cancelled) cancelled") }
            if inFlight > 0 { parts.append("\(inFlight) in flight") }
            if let rate { parts.append("\(ProgressFormat.decimal(rate)) items/s") }
            if isFinal {
                parts.append("in \(ProgressFormat.clock(elapsed))")
            } else if let estimatedTimeRemaining {
                parts.append("\(ProgressFormat.clock(estimatedTimeRemaining)) left")
            }
            return parts.joined(separator: ", ")
        }
    }
}
