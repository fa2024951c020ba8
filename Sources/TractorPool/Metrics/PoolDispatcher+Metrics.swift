//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PoolDispatcher.State {
    /// The pool's levels now: chunks queued and in flight, workers up, crashes so far. All zero but the crashes once
    /// the pool's scope has ended.
    var levels: PoolMetrics.Levels {
        let crashes = machine.statistics.workerCrashes
        if closed { return PoolMetrics.Levels(crashes: crashes) }
        return PoolMetrics.Levels(
            queued: machine.queue.count,
            inFlight: machine.running.count,
            live: machine.workers.count(where: \.isUp),
            crashes: crashes
        )
    }

    /// Reports the levels that changed since the last report, under the dispatcher's lock; nothing without metrics.
    mutating func reportLevels(to metrics: PoolMetrics?) {
        guard let metrics else { return }
        metrics.report(levels, since: &reportedLevels)
    }
}
