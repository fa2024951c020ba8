//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import PoolWorkerJobs
import Synchronization
import TractorPool

/// The cancellation workload, as the Python peers run it: a map of 1,000 sleeps of 50 ms, one per chunk.
let cancelledJobs = 1_000
let cancelledJobMilliseconds = 50

/// Cancellation latency: a map of 1,000 × 50 ms jobs is cancelled once its first result is in; a sample is the time
/// from cancelling the task that owns the pool until that task has returned, which is when the jobs still running
/// have been cancelled inside their workers and every worker has exited and been reaped.
func cancellationBenchmarks() {
    Benchmark(
        "Pool cancel map of 1000 x 50 ms jobs",
        configuration: .init(
            metrics: [.wallClock],
            scalingFactor: .one,
            maxDuration: .seconds(10),
            maxIterations: 10,
            thresholds: poolThresholds([.wallClock])
        )
    ) { benchmark in
        let (firstResult, firstResultWriter) = AsyncStream.makeStream(of: Void.self)
        let workerPIDs = Mutex<[Int32]>([])
        let mapping = Task {
            try await withProcessPool(configuration: poolConfiguration()) { pool in
                try await warmUp(pool)
                workerPIDs.withLock { $0 = [] }
                for binding in try await pool.bindings { workerPIDs.withLock { $0.append(binding.pid) } }
                var received = 0
                let sleeps = repeatElement(cancelledJobMilliseconds, count: cancelledJobs)
                for try await value in pool.map(BuiltinJobs.sleep, over: sleeps, chunkSize: 1) {
                    precondition(value == cancelledJobMilliseconds, "a sleep returned \(value)")
                    received += 1
                    if received == 1 { firstResultWriter.yield() }
                }
                return received
            }
        }
        for await _ in firstResult { break }
        benchmark.startMeasurement()
        mapping.cancel()
        let outcome = await mapping.result
        benchmark.stopMeasurement()
        firstResultWriter.finish()

        switch outcome {
        case .success(let received):
            precondition(received < cancelledJobs, "the cancelled map ran all \(received) jobs")
        case .failure(let error):
            precondition(error is CancellationError, "the cancelled map failed with \(error)")
        }
        let pids = workerPIDs.withLock { $0 }
        precondition(!pids.isEmpty && !pids.contains(where: processIsRunning), "a worker outlived its pool: \(pids)")
    }
}
