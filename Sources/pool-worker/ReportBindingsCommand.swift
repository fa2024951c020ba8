//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import Foundation
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
              pool-worker report-bindings --placement perNUMANode --json
              taskset -c 0 pool-worker report-bindings   # one allowed CPU: one worker
            """
    )

    @Option(help: "perCore, perNUMANode, perPU, or a number of unbound workers.")
    var placement = "perCore"

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

    func run() async throws {
        let chosen: Placement
        switch placement {
        case "perCore": chosen = .perCore
        case "perNUMANode": chosen = .perNUMANode
        case "perPU": chosen = .perPU
        default:
            guard let count = Int(placement), count > 0 else {
                throw ValidationError("unknown placement '\(placement)': use perCore, perNUMANode, perPU or a number")
            }
            chosen = .workers(count)
        }
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
                placement: chosen.description, workers: workers, warnings: pool.warnings,
                report: try await pool.bindingReport
            )
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            for warning in output.warnings { print("warning: \(warning)") }
            print(output.report)
        }
    }
}
