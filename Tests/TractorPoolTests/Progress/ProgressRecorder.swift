//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
import TractorPool

/// Keeps the snapshots a reporter's handler gets, and checks them the way every report must hold.
final class ProgressRecorder: Sendable {
    private let recorded = Mutex<[PoolProgress.Snapshot]>([])
    private let (finals, finalsContinuation) = AsyncStream<Void>.makeStream()

    init() {}

    /// A reporter that records every snapshot, one every 5 ms at most.
    func reporter(total: Int? = nil) -> PoolProgress {
        PoolProgress(every: .milliseconds(5), total: total) { [self] snapshot in record(snapshot) }
    }

    func record(_ snapshot: PoolProgress.Snapshot) {
        recorded.withLock { $0.append(snapshot) }
        if snapshot.isFinal { finalsContinuation.yield() }
    }

    var snapshots: [PoolProgress.Snapshot] { recorded.withLock { $0 } }

    /// Returns once the final snapshot has been recorded.
    func waitForFinal() async {
        var iterator = finals.makeAsyncIterator()
        if snapshots.last?.isFinal == true { return }
        _ = await iterator.next()
    }

    /// Checks that the snapshots are monotonic, never count more than the total, and end with one final snapshot
    /// that accounts for everything; returns it.
    @discardableResult
    static func check(
        _ snapshots: [PoolProgress.Snapshot],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> PoolProgress.Snapshot {
        let final = try #require(snapshots.last, "no snapshot", sourceLocation: sourceLocation)
        #expect(final.isFinal, "the last snapshot is not final: \(final)", sourceLocation: sourceLocation)
        #expect(
            snapshots.dropLast().allSatisfy { !$0.isFinal },
            "a final snapshot before the last",
            sourceLocation: sourceLocation
        )
        for (earlier, later) in zip(snapshots, snapshots.dropFirst()) {
            let grows =
                later.done >= earlier.done && later.failed >= earlier.failed && later.cancelled >= earlier.cancelled
                && later.elapsed >= earlier.elapsed
            #expect(grows, "\(earlier) then \(later)", sourceLocation: sourceLocation)
        }
        for snapshot in snapshots {
            let ended = snapshot.done + snapshot.failed + snapshot.cancelled
            #expect(ended + snapshot.inFlight <= snapshot.total ?? .max, "\(snapshot)", sourceLocation: sourceLocation)
            #expect(snapshot.inFlight >= 0, "\(snapshot)", sourceLocation: sourceLocation)
        }
        #expect(final.inFlight == 0, "\(final)", sourceLocation: sourceLocation)
        #expect(
            final.done + final.failed + final.cancelled == final.total,
            "not everything is accounted for: \(final)",
            sourceLocation: sourceLocation
        )
        return final
    }
}
