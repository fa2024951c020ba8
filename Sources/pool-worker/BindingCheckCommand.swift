//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import Glibc
import TractorCommandLine
import TractorPool

/// `pool-worker binding-check`: binds this process as a pool worker would, reads the binding back, and prints it as
/// JSON. Hidden: tests and people checking a machine use it, pools do not.
struct BindingCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binding-check",
        abstract: "Bind this process, read the binding back and print it as JSON.",
        discussion: """
            Applies the CPU and memory binding the way a pool worker does on start-up, then prints what the kernel \
            granted: the calling thread's CPU mask and memory policy, the process's Cpus_allowed_list from \
            /proc/self/status, and the --report-bindings line.

            Example:
              pool-worker binding-check --cpus 0 --memory-node 0
            """,
        shouldDisplay: false
    )

    @Option(help: "The CPUs to bind to, in list syntax such as 0-3,8; none leaves the CPU mask alone.")
    var cpus: String?

    @Option(help: "The NUMA node to bind memory to; none leaves the memory policy alone.")
    var memoryNode: Int?

    struct Output: Encodable {
        var binding: ProcessBinding
        var cpusAllowedList: String
        var report: String
    }

    func run() throws {
        let requested: CPUSet?
        do {
            requested = try cpus.map { list throws(TractorError) in try CPUSet(parsing: list) }
        } catch {
            throw ValidationError(error.message)
        }
        // The map of the report shows the machine as this process saw it before binding itself.
        let topology = try Topology.current()
        try ProcessBinding.apply(cpus: requested, memoryNode: memoryNode)
        let binding = try ProcessBinding.current()
        let pid = getpid()
        let allowed = try ProcessBinding.allowedCPUs(ofProcess: pid)
        let worker = WorkerBinding(
            workerID: 0,
            pid: pid,
            cpus: requested == nil ? nil : binding.cpus,
            numaNode: binding.memoryNodes.count == 1 ? binding.memoryNodes[0] : nil,
            memoryBound: binding.isMemoryBound
        )
        let output = Output(
            binding: binding,
            cpusAllowedList: allowed.description,
            report: BindingReport.render([worker], topology: topology)
        )
        print(try JSONOutputEncoder().encode(output))
    }
}
