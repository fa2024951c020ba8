//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import TractorPool

/// Idle worker memory: after the warm-up map and 200 ms of rest, the resident set (VmRSS) and the proportional set
/// (Pss) of every worker, one sample per worker and run, as the Python peers measure theirs.
func workerMemoryBenchmarks() {
    // With the usual worker, and with the same worker linked with `-static-stdlib`.
    for (name, worker) in [("", "pool-worker"), (", static-stdlib workers", "pool-worker-static")] {
        Benchmark(
            "Pool worker memory idle\(name)",
            configuration: .init(
                metrics: [workerResidentMemory, workerProportionalMemory],
                units: [workerResidentMemory: .count, workerProportionalMemory: .count],
                scalingFactor: .one,
                maxIterations: 3,
                thresholds: poolThresholds([workerResidentMemory, workerProportionalMemory])
            )
        ) { benchmark in
            try await withProcessPool(configuration: poolConfiguration(worker: worker)) { pool in
                try await warmUp(pool)
                try await Task.sleep(for: .milliseconds(200))
                for binding in try await pool.bindings {
                    guard let rss = procMemoryField("VmRSS", pid: binding.pid, file: "status") else {
                        fatalError("no VmRSS for worker \(binding.pid)")
                    }
                    benchmark.measurement(workerResidentMemory, rss)
                    if let pss = procMemoryField("Pss", pid: binding.pid, file: "smaps_rollup") {
                        benchmark.measurement(workerProportionalMemory, pss)
                    }
                }
            }
        }
    }
}
