//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import Foundation
import PoolWorkerJobs
import TractorPool

/// One submit's round trip, in nanoseconds: a sample per submit, so that p50 and p99 cover every submit.
let submitRoundTrip = BenchmarkMetric.custom("Submit round trip (ns)", polarity: .prefersSmaller, useScalingFactor: false)

/// From the start of `withProcessPool` to the first `submit`'s result, in nanoseconds, the pool's closing left out: a
/// sample per pool.
let startUpToFirstResult = BenchmarkMetric.custom(
    "Start-up to first result (ns)",
    polarity: .prefersSmaller,
    useScalingFactor: false
)

/// An idle worker's resident set (VmRSS), in KiB: a sample per worker.
let workerResidentMemory = BenchmarkMetric.custom("Worker RSS idle (KiB)", polarity: .prefersSmaller, useScalingFactor: false)

/// An idle worker's proportional set size (Pss: pages shared with other processes divided among them), in KiB.
let workerProportionalMemory = BenchmarkMetric.custom(
    "Worker PSS idle (KiB)",
    polarity: .prefersSmaller,
    useScalingFactor: false
)

/// Starts every worker and runs a few jobs on each, as the Python peers' warm-up does: a no-op map of 64 items per
/// worker, one item per chunk, its values checked.
func warmUp(_ pool: ProcessPool) async throws {
    let count = pool.workerCount * 64
    var expected = 0
    for try await value in pool.map(BuiltinJobs.noop, over: 0..<count, chunkSize: 1) {
        precondition(value == expected, "warm-up map returned \(value) where \(expected) was due")
        expected += 1
    }
    precondition(expected == count)
    _ = try await pool.bindings
}

/// The CPUs of the first core this process may use.
func firstCore() -> CPUSet {
    guard let core = (try? Topology.current())?.cores.first else { fatalError("no core in this machine's topology") }
    return core.cpus
}

/// A duration in whole nanoseconds.
func nanoseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
}

/// A field of `/proc/<pid>/status` or `/proc/<pid>/smaps_rollup` in KiB (`VmRSS:    1234 kB`), if present.
func procMemoryField(_ field: String, pid: Int32, file: String) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }
    return nil
}

/// Whether a process still runs (a zombie counts as gone: it runs nothing and holds no memory).
func processIsRunning(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return errno != ESRCH }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}
