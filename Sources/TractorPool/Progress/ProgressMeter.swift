//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Turns tallies read at given instants into snapshots: the elapsed time, the rate over a sliding window, and the
/// estimate of the time left. No clock, lock or task: the caller says when each tally was read.
///
/// Each consumer of a ``PoolProgress`` has its own meter, fed at its own pace; the window is made of the samples it
/// was fed (one per snapshot), so it costs nothing between snapshots.
struct ProgressMeter {
    typealias Instant = ContinuousClock.Instant

    /// How far back the rate looks.
    let window: Duration
    /// The most samples kept: past it the oldest go first, and the window shrinks (only with very short intervals).
    let capacity: Int
    /// `(when, items ended)`, oldest first; the first is the last sample at or before the window's start.
    private var samples: [(at: Instant, finished: Int)] = []

    init(window: Duration, capacity: Int = 512) {
        self.window = window
        self.capacity = Swift.max(2, capacity)
    }

    /// The snapshot of `tally` read at `now`, for work that started at `start`. A final snapshot (`tally` ended) is
    /// frozen at `now`, the moment the work ended: its rate is the whole run's, and no time is left.
    mutating func snapshot(of tally: ProgressTally, start: Instant, at now: Instant) -> PoolProgress.Snapshot {
        let now = Swift.max(now, start)
        let finished = tally.done + tally.failed
        let elapsed = now - start
        let rate: Double?
        if tally.isEnded {
            rate = Self.rate(finished, over: elapsed)
        } else {
            rate = windowRate(finished, at: now, start: start)
        }
        let remaining = tally.total.map { Swift.max(0, $0 - finished - tally.cancelled) }
        let eta: Duration?
        if tally.isEnded {
            eta = .zero
        } else if let remaining, remaining == 0 {
            eta = .zero
        } else if let remaining, let rate, rate > 0 {
            eta = Self.duration(seconds: Double(remaining) / rate)
        } else {
            eta = nil
        }
        return PoolProgress.Snapshot(
            done: tally.done,
            failed: tally.failed,
            cancelled: tally.cancelled,
            inFlight: tally.inFlight,
            total: tally.total,
            elapsed: elapsed,
            rate: rate,
            estimatedTimeRemaining: eta,
            isFinal: tally.isEnded
        )
    }

    /// Adds a sample and returns the rate over the window that ends with it.
    private mutating func windowRate(_ finished: Int, at now: Instant, start: Instant) -> Double? {
        if samples.isEmpty { samples.append((start, 0)) }
        if let last = samples.last, last.at == now {
            samples[samples.count - 1].finished = Swift.max(last.finished, finished)
        } else {
            samples.append((now, finished))
        }
        let edge = now - window
        var drop = 0
        while samples.count - drop > 2, samples[drop + 1].at <= edge { drop += 1 }
        drop = Swift.max(drop, samples.count - capacity)
        if drop > 0 { samples.removeFirst(drop) }
        let first = samples[0]
        return Self.rate(finished - first.finished, over: now - first.at)
    }

    /// Items per second; `nil` over no time.
    static func rate(_ items: Int, over duration: Duration) -> Double? {
        let seconds = Self.seconds(duration)
        return seconds > 0 ? Double(Swift.max(0, items)) / seconds : nil
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `seconds` as a duration, capped at a century (an estimate from a rate near zero).
    static func duration(seconds: Double) -> Duration {
        let capped = Swift.min(Swift.max(0, seconds), 100 * 365 * 86_400)
        return .nanoseconds(Int64((capped * 1e9).rounded()))
    }
}
