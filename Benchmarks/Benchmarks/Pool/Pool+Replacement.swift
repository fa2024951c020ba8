//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import Glibc
import PoolWorkerJobs
import TractorPool

/// Crash recovery: a sample is the time from SIGKILL of a pool's only worker until a job has run on its replacement,
/// which covers noticing the death, reaping, spawning, the handshake, the binding read-back and the first job.
func replacementBenchmarks() {
    Benchmark(
        "Pool worker replacement after SIGKILL",
        configuration: .init(
            metrics: [.wallClock],
            scalingFactor: .one,
            maxDuration: .seconds(10),
            maxIterations: 50,
            thresholds: poolThresholds([.wallClock])
        )
    ) { benchmark in
        try await withProcessPool(configuration: poolConfiguration(.workers(1))) { pool in
            try await warmUp(pool)
            for _ in benchmark.scaledIterations {
                let victim = try await pool.submit(BuiltinJobs.pid).value
                benchmark.startMeasurement()
                kill(victim, SIGKILL)
                // Jobs given to the dying worker fail with WorkerCrashed; the first to succeed ran on its replacement.
                while true {
                    guard let pid = try? await pool.submit(BuiltinJobs.pid).value else { continue }
                    if pid != victim { break }
                }
                benchmark.stopMeasurement()
            }
        }
    }
}
