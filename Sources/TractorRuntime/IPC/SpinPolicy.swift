//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// When the loop thread polls before it sleeps: a wake-up costs tens of microseconds across cores, while an event
/// that comes within a few microseconds of the last (the reply of a round trip, a worker's next request) is caught
/// without one by polling.
///
/// It learns from the loop's own waits, so that it polls only where it pays: a sleep that ended within the maximum
/// spin turns polling on (a poll would have caught that event); a poll that catches nothing halves the budget, and a
/// loop whose events come seldom (workers computing, every core busy) stops polling after a few misses and burns no
/// CPU another thread could use.
struct SpinPolicy {
    /// The most a poll may last, in nanoseconds; 0: never poll.
    let maximum: UInt64
    /// How long the next poll may last, in nanoseconds.
    private(set) var budget: UInt64 = 0

    init(maximum: UInt64) {
        self.maximum = maximum
    }

    /// A poll caught an event: poll as long next time.
    mutating func caught() {}

    /// A poll caught nothing: halve the budget, and stop polling below a tenth of the maximum.
    mutating func missed() {
        budget /= 2
        if budget < maximum / 10 { budget = 0 }
    }

    /// A sleep lasted `nanoseconds`: one that a poll would have cut short turns polling on, where the loop thread
    /// `mayUseOtherCPUs` (on a thread bound to one CPU, a poll takes that CPU from the thread that has the work the
    /// loop waits for).
    mutating func blocked(for nanoseconds: UInt64, mayUseOtherCPUs: Bool = true) {
        if nanoseconds < maximum, mayUseOtherCPUs { budget = maximum }
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return Int64(clamping: Int128(seconds) * 1_000_000_000 + Int128(attoseconds / 1_000_000_000))
    }
}
