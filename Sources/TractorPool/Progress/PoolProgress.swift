//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The progress of one piece of pool work, a `map` or a set of futures, as snapshots: items done, failed and in
/// flight, the total when known, the rate and the time left.
///
/// Make one, hand it to the work (the `progress:` parameter of
/// ``ProcessPool/map(_:over:chunkSize:bufferSize:timeout:progress:)-7b4b1`` and its relatives, or
/// ``ProcessPool/reportProgress(of:to:)`` for futures), and either iterate it, or give it a handler:
///
/// ```swift
/// // A handler, called on a task of the pool's, at most every 100 ms and once more at the end.
/// let progress = PoolProgress(every: .milliseconds(100)) { snapshot in print(snapshot) }
/// for try await hash in pool.map(sha256, over: files, progress: progress) { save(hash) }
/// // The handler has had the final snapshot by the time the loop ends.
///
/// // Or iterate it, from a task of your own.
/// let progress = PoolProgress()
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { for await snapshot in progress { print(snapshot) } }
///     for try await hash in pool.map(sha256, over: files, progress: progress) { save(hash) }
/// }
/// ```
///
/// Snapshots are made when they are asked for, never per item: the work only keeps counts, under the lock it
/// already takes once per chunk, and a work given no reporter keeps none. Each iterator gets its first snapshot at
/// once, then one at most every ``Configuration/interval`` (a heartbeat, so that the elapsed time and the estimate
/// stay current while nothing ends), then a final one, with ``Snapshot/isFinal`` set, as soon as the work ends,
/// whatever ends it (the input's end, an error, a deadline, leaving the loop, cancelling the task); then the
/// sequence ends. Several tasks may iterate one reporter: each gets its own snapshots, and its own rate window.
///
/// - Important: One reporter reports on one piece of work: attaching it to a second throws ``TractorError``
///   `.invalidArgument`. Its snapshots end when that work ends, so iterate it only around work it is attached to:
///   a reporter attached to nothing never ends. A `map` attaches it when its iteration starts.
public final class PoolProgress: AsyncSequence, Sendable {
    /// A snapshot of the work.
    public typealias Element = Snapshot
    /// Iterating never throws.
    public typealias Failure = Never

    /// How often snapshots come, and what the work cannot tell.
    ///
    /// ```swift
    /// var configuration = PoolProgress.Configuration()
    /// configuration.interval = .milliseconds(250)
    /// configuration.total = lines.count
    /// let progress = PoolProgress(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The shortest time between two snapshots of one iterator (the final one comes at once). Default 100 ms.
        /// Must be positive.
        public var interval: Duration = .milliseconds(100)
        /// How far back ``Snapshot/rate`` looks: long enough to smooth bursts out, short enough to follow a change
        /// of pace. Default 10 seconds. Must be positive.
        public var rateWindow: Duration = .seconds(10)
        /// How many items the work has, when the work cannot tell (an input that is not a
        /// `RandomAccessCollection`, such as a lazy sequence or an `AsyncSequence`). Default `nil`: the input's
        /// count when it is a `RandomAccessCollection`, else unknown until the input ends. Must be 0 or more. A
        /// total that falls short is raised to the items read; once the input ends, its count is the total.
        public var total: Int?

        /// The default configuration.
        public init() {}
    }

    /// The configuration.
    public let configuration: Configuration
    /// The caller's handler, if the snapshots go to one.
    let handler: (@Sendable (Snapshot) -> Void)?
    /// The clock: `ContinuousClock.now`, or a test's.
    let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    private struct State {
        var phase = Phase.idle
        /// The wake-ups of the live iterators, signalled when the work starts and when it ends.
        var listeners: [ObjectIdentifier: WakeUp] = [:]
    }

    /// Where the work stands, for an iterator.
    enum Phase {
        /// Not attached to any work yet.
        case idle
        /// Running since `start`; `read` reads its tally; `owner` is the work's identity.
        case running(read: @Sendable () -> ProgressTally, start: ContinuousClock.Instant, owner: ObjectIdentifier)
        /// Ended at `end`, with this final tally.
        case ended(ProgressTally, start: ContinuousClock.Instant, end: ContinuousClock.Instant)
    }

    /// A reporter whose snapshots are iterated.
    ///
    /// ```swift
    /// let progress = PoolProgress(configuration: configuration)
    /// ```
    ///
    /// - Parameter configuration: The interval, the rate window and the total. Checked when the reporter is
    ///   attached to work: a setting out of range throws ``TractorError`` `.invalidArgument` there.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.handler = nil
        self.now = { .now }
    }

    /// A reporter whose snapshots are iterated, at most one every `interval`.
    ///
    /// ```swift
    /// let progress = PoolProgress(every: .milliseconds(250), total: 1_000)
    /// ```
    public convenience init(every interval: Duration, total: Int? = nil) {
        var configuration = Configuration()
        configuration.interval = interval
        configuration.total = total
        self.init(configuration: configuration)
    }

    /// A reporter that calls `handler` with each snapshot, on a task of the pool's that starts when the work starts.
    ///
    /// The handler gets the snapshots an iterator would: at once, then at most one every interval, then the final
    /// one. A `map` waits for the handler to have had the final snapshot before its iteration ends (returning or
    /// throwing). If the pool's scope ends before the work, the task is cancelled and the handler gets no more.
    /// Keep the handler short: the next snapshot waits for it.
    ///
    /// ```swift
    /// let bar = TerminalProgressBar()
    /// let progress = PoolProgress(configuration: configuration) { bar.draw($0) }
    /// ```
    public init(
        configuration: Configuration = Configuration(),
        onSnapshot handler: @escaping @Sendable (Snapshot) -> Void
    ) {
        self.configuration = configuration
        self.handler = handler
        self.now = { .now }
    }

    /// A reporter that calls `handler` with a snapshot at most every `interval`, and with the final one.
    ///
    /// ```swift
    /// let progress = PoolProgress(every: .milliseconds(100)) { snapshot in print(snapshot) }
    /// ```
    public convenience init(
        every interval: Duration,
        total: Int? = nil,
        onSnapshot handler: @escaping @Sendable (Snapshot) -> Void
    ) {
        var configuration = Configuration()
        configuration.interval = interval
        configuration.total = total
        self.init(configuration: configuration, onSnapshot: handler)
    }

    /// A reporter on a test's clock.
    init(
        configuration: Configuration,
        clock now: @escaping @Sendable () -> ContinuousClock.Instant,
        onSnapshot handler: (@Sendable (Snapshot) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.handler = handler
        self.now = now
    }

    /// Starts an iteration: its first snapshot comes at once.
    public func makeAsyncIterator() -> Iterator {
        Iterator(progress: self)
    }

    // MARK: The work's side

    /// The work starts: from now on, snapshots read its tally with `read`. `owner` identifies the work (the object
    /// that keeps the tally), so that only that work can end the report.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when the reporter reports on other work already, or when its
    ///   configuration is out of range (the reporter then ends, so that its iterators do not wait forever).
    func attach(owner: ObjectIdentifier, _ read: @escaping @Sendable () -> ProgressTally) throws(TractorError) {
        if let error = configuration.validationError {
            end(ProgressTally(expected: 0).ended(), owner: owner)
            throw error
        }
        let start = now()
        let wakeUps = try state.withLock { state throws(TractorError) -> [WakeUp] in
            guard case .idle = state.phase else {
                throw TractorError(
                    .invalidArgument,
                    "a PoolProgress reports on one piece of work, and this one already reports on another: "
                        + "make one per map or set of futures"
                )
            }
            state.phase = .running(read: read, start: start, owner: owner)
            return Array(state.listeners.values)
        }
        for wakeUp in wakeUps { wakeUp.signal() }
    }

    /// The work `owner` ended, with this final tally (ended). Ignored when the reporter reports on other work, or
    /// has ended; a reporter not attached yet ends too (its work could not start), so that its iterators do not
    /// wait forever.
    func end(_ tally: ProgressTally, owner: ObjectIdentifier) {
        let end = now()
        let wakeUps = state.withLock { state -> [WakeUp] in
            switch state.phase {
            case .ended:
                return []
            case .idle:
                state.phase = .ended(tally, start: end, end: end)
            case .running(_, let start, let attached):
                guard attached == owner else { return [] }
                state.phase = .ended(tally, start: start, end: end)
            }
            return Array(state.listeners.values)
        }
        for wakeUp in wakeUps { wakeUp.signal() }
    }

    /// The body of the task that feeds the handler, if there is one; the work starts it (on the pool's tasks) once
    /// it has attached the reporter.
    func handlerTask() -> (@Sendable () async -> Void)? {
        guard let handler else { return nil }
        return { [self] in
            for await snapshot in self { handler(snapshot) }
        }
    }

    // MARK: The iterators' side

    var phase: Phase { state.withLock { $0.phase } }

    func listen(_ id: ObjectIdentifier, _ wakeUp: WakeUp) {
        state.withLock { $0.listeners[id] = wakeUp }
    }

    func stopListening(_ id: ObjectIdentifier) {
        state.withLock { _ = $0.listeners.removeValue(forKey: id) }
    }
}

extension PoolProgress.Configuration {
    /// Why this configuration cannot be used, if it cannot.
    var validationError: TractorError? {
        let name = "PoolProgress.Configuration"
        if interval <= .zero {
            return TractorError(.invalidArgument, "\(name).interval must be positive, not \(interval)")
        }
        if rateWindow <= .zero {
            return TractorError(.invalidArgument, "\(name).rateWindow must be positive, not \(rateWindow)")
        }
        if let total, total < 0 {
            return TractorError(.invalidArgument, "\(name).total must be 0 or more, or nil, not \(total)")
        }
        return nil
    }
}

extension ProgressTally {
    /// This tally, ended.
    func ended() -> ProgressTally {
        var tally = self
        tally.end()
        return tally
    }
}
