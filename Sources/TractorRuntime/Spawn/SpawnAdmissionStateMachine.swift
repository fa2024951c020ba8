//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Which spawns of this process may start a child now: at most `limit` children between launch and handshake at
/// once, the others waiting in order of arrival; and, while many start, when to report progress.
///
/// A child that is starting costs its parent a connection to accept and a handshake to answer, and costs the machine
/// a process start-up; a thousand at once on two cores starve each other until every handshake times out. Bounding
/// them makes a large nursery start at the machine's pace. Pure logic: the caller keeps the waiters and the clock.
struct SpawnAdmissionStateMachine<Waiter>: ~Copyable {
    /// How a burst of spawns (from the first one while none is starting to the last one to finish) is going.
    struct Progress: Equatable {
        /// Spawns finished in this burst, successful or not.
        var finished: Int
        /// Of those, the ones that failed.
        var failed: Int
        /// Spawns starting now.
        var starting: Int
        /// Spawns waiting for a slot.
        var waiting: Int
        /// Nanoseconds since the burst began.
        var elapsed: UInt64
        /// Whether this is the burst's last report (nothing is starting or waiting any more).
        var isFinal: Bool
    }

    /// Progress is reported every this many finished spawns of a burst.
    static var reportEvery: Int { 100 }
    /// And at least this often (in nanoseconds) while spawns wait for a slot.
    static var reportInterval: UInt64 { 5_000_000_000 }

    private(set) var starting = 0
    private var waiters: [(id: Int, waiter: Waiter)] = []
    private var burstStart: UInt64 = 0
    private var lastReport: UInt64 = 0
    private var finished = 0
    private var failed = 0

    init() {}

    var waiting: Int { waiters.count }

    /// A spawn asks for a slot: `true` when it may start at once; otherwise `waiter` waits for ``finished(succeeded:now:limit:)``
    /// to hand it one, or for ``withdraw(_:)``.
    mutating func request(_ id: Int, _ waiter: Waiter, limit: Int, now: UInt64) -> Bool {
        if starting == 0 && waiters.isEmpty {
            burstStart = now
            lastReport = now
            finished = 0
            failed = 0
        }
        if starting < max(1, limit) && waiters.isEmpty {
            starting += 1
            return true
        }
        waiters.append((id, waiter))
        return false
    }

    /// A waiting spawn gives up (its task was cancelled); its waiter, if it was still waiting.
    mutating func withdraw(_ id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// A spawn that held a slot is done (its child joined, or failed to); the waiters that now get a slot, and the
    /// progress to report, if it is time.
    mutating func finished(succeeded: Bool, now: UInt64, limit: Int) -> (admitted: [Waiter], progress: Progress?) {
        starting -= 1
        finished += 1
        if !succeeded { failed += 1 }
        var admitted: [Waiter] = []
        while starting < max(1, limit), !waiters.isEmpty {
            admitted.append(waiters.removeFirst().waiter)
            starting += 1
        }
        let isFinal = starting == 0 && waiters.isEmpty
        let due = finished % Self.reportEvery == 0
            || (!waiters.isEmpty && now &- lastReport >= Self.reportInterval)
            || (isFinal && finished >= Self.reportEvery)
        guard due else { return (admitted, nil) }
        lastReport = now
        let progress = Progress(
            finished: finished, failed: failed, starting: starting, waiting: waiters.count,
            elapsed: now &- burstStart, isFinal: isFinal
        )
        return (admitted, progress)
    }
}
