//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import TractorCommandLine
import TractorPool

/// `pool-worker report-bindings`: opens a pool of `pool-worker`s with a placement, and prints where each worker
/// bound itself, like `mpirun --report-bindings`.
struct ReportBindingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report-bindings",
        abstract: "Start a pool and print where each of its workers is bound.",
        discussion: """
            Starts one pool-worker process per placement slot (this executable, re-executed), waits until each has \
            bound itself and read its binding back, and prints one line per worker in the style of Open MPI's \
            --report-bindings, or JSON with each worker's pid, CPUs, NUMA node and the Cpus_allowed_list of its \
            /proc/PID/status.

            Examples:
              pool-worker report-bindings
              pool-worker report-bindings --placement per-numa-node --json
              pool-worker report-bindings --placement none --workers 8
              taskset -c 0 pool-worker report-bindings   # one allowed CPU: one worker
            """
    )

    @Option(help: PlacementOption.help)
    var placement: PlacementOption?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Start this many workers: the first k slots of a pinned placement, or k unbound workers with "
                + "--placement none. Default: one per slot of the placement.",
            valueName: "k"
        )
    )
    var workers: Int?

    @Flag(help: "Print machine-readable JSON (sorted keys) instead of text.")
    var json = false

    struct Output: Encodable {
        struct Worker: Encodable {
            var workerID: Int
            var pid: Int32
            var cpus: String?
            var numaNode: Int?
            var memoryBound: Bool
            var cpusAllowedList: String
        }
        var placement: String
        var workers: [Worker]
        var warnings: [String]
        var report: String
    }

    func validate() throws {
        try CountCheck.atLeast(1, workers, "--workers")
    }

    func run() async throws {
        let chosen = try (placement ?? .default(workers: workers)).placement(workers: workers)
        let output = try await withProcessPool(placement: chosen) { pool in
            let bindings = try await pool.bindings
            let workers = try bindings.map { binding in
                Output.Worker(
                    workerID: binding.workerID,
                    pid: binding.pid,
                    cpus: binding.cpus?.description,
                    numaNode: binding.numaNode,
                    memoryBound: binding.memoryBound,
                    cpusAllowedList: try ProcessBinding.allowedCPUs(ofProcess: binding.pid).description
                )
            }
            return Output(
                placement: (placement ?? .default(workers: self.workers)).rawValue, workers: workers, warnings: pool.warnings,
                report: try await pool.bindingReport
            )
        }
        if json {
            print(try JSONOutputEncoder().encode(output))
        } else {
            // The placement's warnings are not repeated here: the pool logs them on standard error as it opens.
            print(output.report)
        }
    }
}
