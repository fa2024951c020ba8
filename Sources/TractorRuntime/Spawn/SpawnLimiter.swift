//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import Synchronization

/// The shell of ``SpawnAdmissionStateMachine``: one per process, shared by all its nurseries. A spawn holds a slot
/// from launching its child until the handshake ends; while it waits for one, its spawn timeout does not run.
package final class SpawnLimiter: Sendable {
    private let state = Mutex(State())
    private let logger: @Sendable () -> Logger

    private struct State: ~Copyable {
        var machine = SpawnAdmissionStateMachine<CheckedContinuation<Void, any Error>>()
        var nextID = 0
    }

    /// A limiter that reports progress through the logger `logger` returns.
    package init(logger: @escaping @Sendable () -> Logger) {
        self.logger = logger
    }

    /// Waits for a slot among `limit`. Throws `CancellationError` if the calling task is cancelled while waiting.
    package func acquire(limit: Int) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Bool? in
                    if Task.isCancelled { return nil }
                    return state.machine.request(id, continuation, limit: limit, now: sys_monotonic_nanoseconds())
                }
                switch outcome {
                case nil: continuation.resume(throwing: CancellationError())
                case true?: continuation.resume()
                case false?: break
                }
            }
        } onCancel: {
            state.withLock { $0.machine.withdraw(id) }?.resume(throwing: CancellationError())
        }
    }

    /// Gives back a slot taken by ``acquire(limit:)``, saying whether the child joined.
    package func release(succeeded: Bool, limit: Int) {
        let (admitted, progress) = state.withLock {
            $0.machine.finished(succeeded: succeeded, now: sys_monotonic_nanoseconds(), limit: limit)
        }
        for waiter in admitted { waiter.resume() }
        if let progress { report(progress) }
    }

    /// Spawns starting now and waiting for a slot.
    package var statistics: (starting: Int, waiting: Int) {
        state.withLock { ($0.machine.starting, $0.machine.waiting) }
    }

    private func report(_ progress: SpawnAdmissionStateMachine<CheckedContinuation<Void, any Error>>.Progress) {
        let seconds = Double(progress.elapsed / 1_000_000) / 1000
        let failures = progress.failed == 0 ? "" : " (\(progress.failed) failed)"
        if progress.isFinal {
            let started = progress.finished - progress.failed
            let more = progress.failed == 0 ? "" : "; \(progress.failed) failed to start"
            logger().info("started \(started) actors in \(seconds) s\(more)")
        } else {
            let text = "starting actors: \(progress.finished) done\(failures), \(progress.starting) starting, "
                + "\(progress.waiting) waiting; \(seconds) s so far"
            logger().info("\(text)")
        }
    }
}
