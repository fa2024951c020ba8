//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// When a caller polls for its answer before it parks: a parked task is resumed by a thread wake-up, which costs tens
/// of microseconds across cores, while the answer of a short job often comes sooner than that.
///
/// One per connection (for ``Portal/run(_:_:)`` and ``Portal/run(_:batch:)``), and one per pool (for a future's
/// `value`). It learns from the calls' own waits, as the I/O loop's ``SpinPolicy`` does: an answer that came within the
/// maximum poll after its request turns polling on; a poll that the answer did not end halves the next one, and
/// polling stops after a few misses, then stays off for twice as many quick answers as the last time before it is
/// tried again. So a connection whose jobs compute (replies far apart) stops polling and leaves its CPU to them.
///
/// Polling is turned on only in a process that may use at least ``minimumCPUs`` CPUs: a round trip keeps three
/// threads busy (the caller polling, this process's I/O thread that reads the answer, the thread that serves the
/// job), and with fewer CPUs than that and one to spare the poll takes a CPU from the others. Measured on two CPUs,
/// `portal.run` took 90 µs with polling against 45 to 82 µs without, and 210 µs with 150 µs polls. A caller never
/// polls on the thread leading the I/O loop, which must read the answer.
package final class ReplyPoll: Sendable {
    /// The longest poll by default, in nanoseconds: `TRACTOR_SPIN_MICROSECONDS`, as for the I/O loop (50 µs unless
    /// set; 0 turns polling off).
    package static let defaultMaximum = IOLoop.maximumSpin

    /// The fewest CPUs this process must be allowed to use for polling to be turned on.
    package static let minimumCPUs = 4

    private let maximumStorage: Atomic<UInt64>
    /// How long the next call's caller may poll, in nanoseconds.
    private let budget = Atomic<UInt64>(0)
    /// Quick answers to see before polling is turned on again, after it was turned off for missing.
    private let quietFor = Atomic<Int>(0)
    /// How many quick answers the next turning off asks for.
    private let nextQuiet = Atomic<Int>(1)

    /// The longest poll, in nanoseconds.
    package var maximum: UInt64 { maximumStorage.load(ordering: .relaxed) }

    package init(maximum: UInt64 = ReplyPoll.defaultMaximum) {
        maximumStorage = Atomic(maximum)
    }

    /// Sets the longest poll, and polls that long from the next call on, whatever the CPUs: the tests make polls long
    /// enough for an answer to come during one.
    package func pollFromNowOn(for maximum: UInt64) {
        maximumStorage.store(maximum, ordering: .relaxed)
        budget.store(maximum, ordering: .relaxed)
    }

    /// How long a caller may poll now: 0 when it must not.
    package var allowed: UInt64 {
        let budget = budget.load(ordering: .relaxed)
        guard budget > 0, !IOLoop.shared.inLoop else { return 0 }
        return budget
    }

    /// A call was answered `elapsed` nanoseconds after its request left, after a poll of `polled` nanoseconds (0: none)
    /// that `caught` the answer or not.
    package func record(elapsed: UInt64, polled: UInt64, caught: Bool) {
        let maximum = self.maximum
        guard maximum > 0 else { return }
        if caught {
            nextQuiet.store(1, ordering: .relaxed)
            return
        }
        if polled > 0 {
            // The poll missed: half as long next time, and none below a tenth of the maximum.
            var next = budget.load(ordering: .relaxed) / 2
            if next < maximum / 10 {
                next = 0
                let quiet = nextQuiet.load(ordering: .relaxed)
                quietFor.store(quiet, ordering: .relaxed)
                nextQuiet.store(Swift.min(quiet * 2, 1024), ordering: .relaxed)
            }
            budget.store(next, ordering: .relaxed)
        } else if elapsed < maximum {
            // A poll would have caught this answer.
            if quietFor.load(ordering: .relaxed) > 0 {
                quietFor.subtract(1, ordering: .relaxed)
            } else if ReplyPoll.enoughCPUs() {
                budget.store(maximum, ordering: .relaxed)
            }
        }
    }

    /// Between two looks at the answer: lets any other thread ready to run on this CPU run first (the I/O thread
    /// that reads the answer, say), rather than keeping it waiting until this poll ends.
    package static func pause() {
        sched_yield()
    }

    /// Whether this process may use at least ``minimumCPUs`` CPUs, read at most every 100 ms.
    private static func enoughCPUs() -> Bool {
        let now = sys_monotonic_nanoseconds()
        let checked = cpusCheckedAt.load(ordering: .relaxed)
        if checked != 0, now &- checked < 100_000_000 { return cpusEnough.load(ordering: .relaxed) }
        let enough: Bool
        if case .success(let words) = sys_sched_getaffinity(0) {
            enough = words.reduce(0) { $0 + $1.nonzeroBitCount } >= minimumCPUs
        } else {
            enough = false
        }
        cpusEnough.store(enough, ordering: .relaxed)
        cpusCheckedAt.store(now, ordering: .relaxed)
        return enough
    }

    private static let cpusCheckedAt = Atomic<UInt64>(0)
    private static let cpusEnough = Atomic<Bool>(false)
}
