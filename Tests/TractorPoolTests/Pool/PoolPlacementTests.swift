//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool
import TractorTestSupport

extension PoolSpawningTests {
    /// Where the workers run, checked from outside: `/proc/PID/status`, sysfs, `taskset`.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolPlacementTests {
        @Test func perCoreBindsEachWorkerToOneDistinctCore() async throws {
            let topology = try Topology.current()
            let bindings = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.perCore)) { pool in
                    let bindings = try await pool.bindings
                    // Read while the workers live.
                    let allowed = try bindings.map {
                        try LinuxFacts.allowedCPUs(inStatusFile: "/proc/\($0.pid)/status")
                    }
                    #expect(bindings.map(\.cpus) == allowed.map { Optional($0) })
                    return bindings
                }
            }
            #expect(bindings.count == topology.cores.count)
            #expect(bindings.map(\.workerID) == Array(0..<topology.cores.count))
            let cores = try bindings.map { binding in
                let cpus = try #require(binding.cpus)
                return try #require(topology.cores.first { $0.cpus == cpus }, "CPUs \(cpus) are not one core")
            }
            #expect(Set(cores.map(\.logicalIndex)).count == cores.count, "two workers share a core")
            #expect(Set(try cores.flatMap { try LinuxFacts.physicalCores(of: $0.cpus) }).count == cores.count)
        }

        @Test func perPUBindsEachWorkerToOneDistinctAllowedHardwareThread() async throws {
            let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
            let (bindings, affinities) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.perPU)) { pool in
                    let bindings = try await pool.bindings
                    // Read while the workers live, from outside them: what the kernel holds, not what they report.
                    let affinities = try bindings.map {
                        try LinuxFacts.allowedCPUs(inStatusFile: "/proc/\($0.pid)/status")
                    }
                    return (bindings, affinities)
                }
            }
            // One worker per hardware thread this process may use, each allowed on that one thread only.
            #expect(bindings.count == allowed.count)
            #expect(bindings.map(\.workerID) == Array(0..<allowed.count))
            #expect(affinities.allSatisfy { $0.count == 1 }, "affinities: \(affinities)")
            #expect(affinities.reduce(CPUSet()) { $0.union($1) } == allowed, "affinities: \(affinities)")
            #expect(bindings.map(\.cpus) == affinities.map { Optional($0) })
            #expect(Set(bindings.map(\.pid)).count == bindings.count)
        }

        @Test func underTasksetOnlyTheAllowedCoreIsUsed() throws {
            let result = try LinuxFacts.run(
                "/usr/bin/taskset", ["-c", "0", try LinuxFacts.poolWorkerPath(), "report-bindings", "--json"]
            )
            try #require(result.status == 0, "pool-worker report-bindings failed: \(result.error)")
            struct Report: Decodable {
                struct Worker: Decodable {
                    var cpus: String?
                    var cpusAllowedList: String
                }
                var workers: [Worker]
            }
            let report = try JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
            #expect(report.workers.count == 1)
            #expect(report.workers.first?.cpus == "0")
            #expect(report.workers.first?.cpusAllowedList == "0")
        }

        @Test func perNUMANodeGivesOneWorkerPerNodeWithTheNodesCPUs() async throws {
            let topology = try Topology.current()
            let sysfsNodes = try LinuxFacts.numaNodes()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.perNUMANode)) { pool in
                    let bindings = try await pool.bindings
                    let nodes = topology.numaNodes.filter { !$0.cpus.isEmpty }
                    #expect(bindings.count == nodes.count)
                    for (binding, node) in zip(bindings, nodes) {
                        #expect(binding.numaNode == node.osIndex)
                        #expect(binding.cpus == node.cpus)
                        let allowed = try LinuxFacts.allowedCPUs(inStatusFile: "/proc/\(binding.pid)/status")
                        #expect(allowed == node.cpus)
                        if let sysfs = sysfsNodes[node.osIndex] {
                            #expect(allowed == sysfs.intersection(topology.allowedCPUs))
                        }
                        #expect(binding.memoryBound == topology.supportsMemoryBinding)
                    }
                    let report = try await pool.bindingReport
                    #expect(report.split(separator: "\n").count == nodes.count)
                    if topology.supportsMemoryBinding { #expect(report.contains("memory bound to NUMA node")) }
                }
            }
        }

        @Test func moreWorkersThanCPUsRunUnboundWithAWarning() async throws {
            let topology = try Topology.current()
            let count = topology.allowedCPUs.count + 1
            let log = LogCapture()
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(count), log: log)) { pool in
                    #expect(!pool.warnings.isEmpty)
                    // Logged once, at `warning` level.
                    #expect(log.lines.filter { $0.message.contains("oversubscribe") }.count == 1)
                    let bindings = try await pool.bindings
                    #expect(bindings.count == count)
                    #expect(bindings.allSatisfy { $0.cpus == nil })
                    let report = try await pool.bindingReport
                    #expect(report.contains("not bound"))
                }
            }
            PoolTesting.expectOnly(["oversubscribe"], in: log)
        }
    }
}
