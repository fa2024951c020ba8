//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PoolProgress {
    /// Hands out the snapshots of one iteration: the first at once, then at most one per interval while the work
    /// runs, then the final one; then `nil`.
    ///
    /// Cancelling the iterating task ends the iteration: `next()` returns the final snapshot if the work has ended,
    /// else `nil`.
    public struct Iterator: AsyncIteratorProtocol {
        private let progress: PoolProgress
        private let listener: Listener
        private var meter: ProgressMeter
        /// When the next snapshot may be made, after the first.
        private var nextDue: ContinuousClock.Instant?
        /// Whether a snapshot was handed out before the work started.
        private var handedOutIdle = false
        private var finished = false

        init(progress: PoolProgress) {
            self.progress = progress
            self.listener = Listener(progress)
            self.meter = ProgressMeter(window: progress.configuration.rateWindow)
        }

        /// The next snapshot, or `nil` once the final one has been handed out.
        public mutating func next() async -> Snapshot? {
            await next(isolation: nil)
        }

        /// The next snapshot, or `nil` once the final one has been handed out, keeping the caller's isolation.
        public mutating func next(isolation actor: isolated (any Actor)?) async -> Snapshot? {
            while !finished {
                let phase = progress.phase
                if case .ended(let tally, let start, let end) = phase {
                    finished = true
                    return meter.snapshot(of: tally, start: start, at: end)
                }
                if case .idle = phase, !handedOutIdle {
                    // Something to draw before the work starts: nothing done yet.
                    handedOutIdle = true
                    return Snapshot(total: progress.configuration.total)
                }
                if Task.isCancelled {
                    // Cancelled before the work ended: the final snapshot if it ended meanwhile, else nothing.
                    finished = true
                    if case .ended(let tally, let start, let end) = progress.phase {
                        return meter.snapshot(of: tally, start: start, at: end)
                    }
                    return nil
                }
                guard case .running(let read, let start, _) = phase else {
                    await listener.wakeUp.wait()
                    continue
                }
                let now = progress.now()
                if let nextDue, now < nextDue {
                    await listener.wakeUp.wait(until: nextDue)
                    continue
                }
                let tally = read()
                if tally.isEnded {
                    // The work has just ended, and its end is on its way to the reporter: the final snapshot is
                    // the reporter's, made at the moment the work ended.
                    await listener.wakeUp.wait()
                    continue
                }
                nextDue = now + progress.configuration.interval
                return meter.snapshot(of: tally, start: start, at: now)
            }
            return nil
        }
    }

    /// An iterator's wake-up, registered with its reporter for as long as the iterator lives.
    final class Listener: Sendable {
        let wakeUp = WakeUp()
        private let progress: PoolProgress

        init(_ progress: PoolProgress) {
            self.progress = progress
            progress.listen(ObjectIdentifier(self), wakeUp)
        }

        deinit {
            progress.stopListening(ObjectIdentifier(self))
        }
    }
}

@available(*, unavailable)
extension PoolProgress.Iterator: Sendable {}
