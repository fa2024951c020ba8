//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The counts behind a progress report, kept by the work itself (a map's state machine, a set of futures' tracker)
/// and read by whoever makes a snapshot: how many items were taken, and how each one that is over ended.
///
/// Every count only grows, so that snapshots read at any moment are monotonic. ``end()`` accounts for everything:
/// what is neither done nor failed then (in flight, or never taken from the input) counts as cancelled, and the
/// total becomes known if it was not.
struct ProgressTally: Sendable, Hashable {
    /// How some items ended: the outcome of one chunk or one future.
    struct Delta: Sendable, Hashable {
        var done = 0
        var failed = 0
        var cancelled = 0
    }

    /// Items taken from the input (or futures tracked).
    private(set) var taken = 0
    /// Items whose job returned.
    private(set) var done = 0
    /// Items whose job threw, or that failed with their chunk (a crash, a timeout, the pool's error).
    private(set) var failed = 0
    /// Items cancelled before they ended; after ``end()``, also those abandoned in flight or never taken.
    private(set) var cancelled = 0
    /// The total announced before the input ended (by the caller, or by the input's count), if any.
    private(set) var expected: Int?
    /// Whether the input has ended: ``taken`` is then the total.
    private(set) var inputEnded = false
    /// Whether the work has ended: nothing changes any more.
    private(set) var isEnded = false

    init(expected: Int? = nil) {
        self.expected = expected.map { Swift.max(0, $0) }
    }

    /// Items taken and not over yet.
    var inFlight: Int { isEnded ? 0 : taken - done - failed - cancelled }

    /// The total, when known: the input's count once it has ended (or the work has), else the announced total,
    /// raised to what was taken if the announcement fell short.
    var total: Int? {
        if inputEnded { return taken }
        return expected.map { Swift.max($0, taken) }
    }

    /// `count` more items were taken from the input.
    mutating func took(_ count: Int) {
        guard !isEnded else { return }
        taken += count
    }

    /// Some items ended. Never more than are in flight: an outcome that comes late (after ``end()``) or twice is
    /// ignored.
    mutating func add(_ delta: Delta) {
        guard !isEnded else { return }
        var room = inFlight
        let done = Swift.min(delta.done, room)
        room -= done
        let failed = Swift.min(delta.failed, room)
        room -= failed
        self.done += done
        self.failed += failed
        self.cancelled += Swift.min(delta.cancelled, room)
    }

    /// The input ended: what was taken is the total.
    mutating func endInput() {
        guard !isEnded else { return }
        inputEnded = true
    }

    /// The work ended (completed, failed, or was cancelled): whatever is neither done nor failed counts as
    /// cancelled, and the total is known from now on.
    mutating func end() {
        guard !isEnded else { return }
        let total = self.total ?? taken
        expected = total
        taken = total
        inputEnded = true
        cancelled = total - done - failed
        isEnded = true
    }
}
