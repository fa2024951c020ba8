//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

extension ProcessPool {
    /// Stops every worker now with SIGTERM, as `ProcessPoolExecutor.terminate_workers()` does, and returns once every
    /// job has ended.
    ///
    /// The pool shuts down: jobs still queued end cancelled, jobs running fail with ``TractorError`` `.cancelled`
    /// (naming the worker and how it ended), no worker is started again, and later ``submit(_:_:timeout:)`` calls
    /// throw `.scopeClosed`. A worker still alive after the teardown policy's `terminateGrace` is killed with
    /// SIGKILL. On a pool already stopped, it does nothing.
    ///
    /// ```swift
    /// try await withProcessPool(placement: .perCore) { pool in
    ///     let search = try await pool.submit(deepSearch, position)
    ///     if userPressedStop { await pool.terminateWorkers() }   // `search` fails; the scope ends at once
    /// }
    /// ```
    ///
    /// Unlike ``shutdown(wait:cancelPending:)``, running jobs are not asked to stop cooperatively: their workers are
    /// signalled at once. Prefer cancelling futures (or the task running the scope) where a job can stop cleanly.
    nonisolated(nonsending) public func terminateWorkers() async {
        let dispatcher = self.dispatcher
        dispatcher.terminateWorkers(signal: SIGTERM)
        await dispatcher.waitUntilFinished(orAfter: dispatcher.configuration.teardown.terminateGrace) {
            dispatcher.terminateWorkers(signal: SIGKILL)
        }
    }

    /// Kills every worker now with SIGKILL, as `ProcessPoolExecutor.kill_workers()` does, and returns once every job
    /// has ended: as ``terminateWorkers()``, without the SIGTERM.
    ///
    /// ```swift
    /// await pool.killWorkers()
    /// print(pool.statistics.chunksRunning)   // 0
    /// ```
    nonisolated(nonsending) public func killWorkers() async {
        dispatcher.terminateWorkers(signal: SIGKILL)
        await dispatcher.waitUntilFinished()
    }
}

extension PoolDispatcher {
    /// Signals every worker and shuts the pool down for good (see ``ProcessPool/terminateWorkers()``).
    func terminateWorkers(signal: Int32) {
        transition { state in ((), state.machine.terminateWorkers(signal: signal, now: .now)) }
    }

    /// Returns when the pool has finished; if it has not within `grace`, runs `escalate` once and waits on.
    func waitUntilFinished(orAfter grace: Duration, escalate: @escaping @Sendable () -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: grace)
                if !Task.isCancelled { escalate() }
            }
            await waitUntilFinished()
            group.cancelAll()
        }
    }
}
