//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

/// The built `pool-worker` executable, run as a subprocess.
@Suite(.serialized) struct PoolWorkerTopologyTests {
    /// The parts of `pool-worker topology --json` the tests read.
    struct Report: Decodable {
        struct Core: Decodable {
            var index: Int
            var pus: [Int]
        }
        struct Node: Decodable {
            var osIndex: Int
            var cpus: String
        }
        struct Package: Decodable {
            var index: Int
            var cpus: String
        }
        struct Cache: Decodable {
            var level: Int
            var cpus: String
        }
        var hostname: String
        var allowedCPUs: String
        var cores: [Core]
        var numaNodes: [Node]
        var packages: [Package]
        var caches: [Cache]
        var placements: [String: [String?]]
    }

    private func topologyJSON(under taskset: CPUSet? = nil) throws -> Report {
        let worker = try LinuxFacts.poolWorkerPath()
        let result =
            if let taskset {
                try LinuxFacts.run("/usr/bin/taskset", ["-c", taskset.description, worker, "topology", "--json"])
            } else {
                try LinuxFacts.run(worker, ["topology", "--json"])
            }
        try #require(result.status == 0, "pool-worker failed: \(result.error)")
        return try JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
    }

    @Test(.timeLimit(.minutes(1)))
    func jsonAgreesWithSysfs() throws {
        let report = try topologyJSON()
        let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
        #expect(report.allowedCPUs == allowed.description)
        #expect(report.cores.count == (try LinuxFacts.physicalCores(of: allowed)).count)
        #expect(CPUSet(report.cores.flatMap(\.pus)) == allowed)
        #expect(report.placements["perCore"]?.count == report.cores.count)
        #expect(report.placements["perPU"] == allowed.map { "\($0)" })
        #expect(report.placements["perNUMANode"]?.count == report.numaNodes.filter { !$0.cpus.isEmpty }.count)
        #expect(!report.caches.isEmpty || !FileManager.default.fileExists(atPath: "/sys/devices/system/cpu/cpu0/cache"))
        #expect(report.hostname == (try LinuxFacts.hostname()))
        #expect(report.packages.count == Set(try LinuxFacts.physicalCores(of: allowed).map(\.package)).count)
    }

    @Test(.timeLimit(.minutes(1)))
    func tasksetShrinksTheAllowedSetToOneCore() throws {
        let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
        let cpu = try #require(allowed.first)
        let report = try topologyJSON(under: [cpu])
        #expect(report.allowedCPUs == "\(cpu)")
        #expect(report.cores.count == 1)
        #expect(report.cores.first?.pus == [cpu])
        #expect(report.placements["perCore"] == ["\(cpu)"])
        #expect(report.placements["perPU"] == ["\(cpu)"])
        #expect(report.placements["perNUMANode"] == ["\(cpu)"])
        #expect(report.caches.allSatisfy { $0.cpus == "\(cpu)" })
    }

    @Test(.timeLimit(.minutes(1)))
    func textReportNamesEverySection() throws {
        let result = try LinuxFacts.run(try LinuxFacts.poolWorkerPath(), ["topology"])
        #expect(result.status == 0)
        let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
        #expect(result.output.contains("allowed CPUs \(allowed)"))
        for section in ["Packages", "NUMA nodes", "Cores", "Caches", "Placements", "perCore", "perNUMANode", "perPU"] {
            #expect(result.output.contains(section), "no \(section) in:\n\(result.output)")
        }
        let help = try LinuxFacts.run(try LinuxFacts.poolWorkerPath(), ["topology", "--help"])
        #expect(help.output.contains("pool-worker topology --json"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aWorkerProcessBindsItselfAndReportsIt() throws {
        struct Output: Decodable {
            var binding: ProcessBinding
            var cpusAllowedList: String
            var report: String
        }
        let topology = try Topology.current()
        let cpu = try #require(topology.allowedCPUs.last)
        let result = try LinuxFacts.run(
            try LinuxFacts.poolWorkerPath(),
            ["binding-check", "--cpus", "\(cpu)", "--memory-node", "0"]
        )
        try #require(result.status == 0, "binding-check failed: \(result.error)")
        let output = try JSONDecoder().decode(Output.self, from: Data(result.output.utf8))
        #expect(output.binding.cpus == [cpu])
        #expect(output.cpusAllowedList == "\(cpu)")
        #expect(output.binding.isMemoryBound == topology.supportsMemoryBinding)
        let core = try #require(topology.cores.first { $0.cpus.contains(cpu) })
        #expect(output.report.hasPrefix("[\(topology.hostname):"))
        #expect(output.report.contains("] worker 0 bound to "))
        #expect(output.report.contains("core \(core.logicalIndex)[PU \(cpu)]"))
        // This process was not touched.
        #expect(try LinuxFacts.allowedCPUsOfThisProcess() == topology.allowedCPUs)
    }
}
