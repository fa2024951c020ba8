//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

extension Tour {
    /// Cancellation: of one running job, and of the task that runs a whole pool.
    static func cancellation() async throws {
        try await withProcessPool(placement: .workers(1)) { pool in
            let slow = try await pool.submit(nap, 60_000)
            while slow.state != .running { try await Task.sleep(for: .milliseconds(1)) }
            print(slow.cancel())                                // true: the job's task in the worker is cancelled
            do {
                _ = try await slow.value
            } catch is CancellationError {
                print(slow.state)                               // cancelled
            }
        }

        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await withProcessPool(placement: .perCore) { pool in
                    for try await _ in pool.map(nap, over: Array(repeating: 60_000, count: 100)) {}
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
            group.cancelAll()   // cancels the pool: its jobs in their workers, then every worker is reaped
        }
        print(ContinuousClock.now - start < .seconds(10))       // true
    }
}
