//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
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
            var type: String
            var sizeBytes: UInt64
            var cpus: String
        }
        var hostname: String
        var allowedCPUs: String
        var supportsMemoryBinding: Bool
        var cores: [Core]
        var numaNodes: [Node]
        var packages: [Package]
        var pus: [Int]
        var caches: [Cache]
        var placements: [String: [String?]]
        var placementMemoryNodes: [String: [Int?]]
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
        #expect(report.placements["per-core"]?.count == report.cores.count)
        #expect(report.placements["per-pu"] == allowed.map { "\($0)" })
        #expect(report.placements["per-numa-node"]?.count == report.numaNodes.filter { !$0.cpus.isEmpty }.count)
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
        #expect(report.placements["per-core"] == ["\(cpu)"])
        #expect(report.placements["per-pu"] == ["\(cpu)"])
        #expect(report.placements["per-numa-node"] == ["\(cpu)"])
        #expect(report.caches.allSatisfy { $0.cpus == "\(cpu)" })
    }

    @Test(.timeLimit(.minutes(1)))
    func textReportNamesEverySection() throws {
        let result = try LinuxFacts.run(try LinuxFacts.poolWorkerPath(), ["topology"])
        #expect(result.status == 0)
        let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
        #expect(result.output.contains("allowed CPUs \(allowed)"))
        for section in ["Packages", "NUMA nodes", "Cores", "Caches", "Placements", "per-core", "per-numa-node", "per-pu"] {
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

    @Test(.timeLimit(.minutes(1)))
    func everyPartAgreesWithSysfs() throws {
        let report = try topologyJSON()
        let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
        let online = try CPUSet(parsing: String(contentsOfFile: "/sys/devices/system/cpu/online", encoding: .utf8))
        #expect(allowed.isSubset(of: online))

        // PUs: exactly the allowed CPUs.
        #expect(report.pus.sorted() == Array(allowed))

        // Cores: the allowed CPUs grouped by (physical_package_id, core_id).
        var sysfsCores: [LinuxFacts.PhysicalCore: CPUSet] = [:]
        for cpu in allowed { sysfsCores[try LinuxFacts.packageAndCoreID(of: cpu), default: []].insert(cpu) }
        #expect(Set(report.cores.map { CPUSet($0.pus) }) == Set(sysfsCores.values))

        // Packages: the allowed CPUs grouped by physical_package_id.
        var sysfsPackages: [Int: CPUSet] = [:]
        for (core, cpus) in sysfsCores { sysfsPackages[core.package, default: []].formUnion(cpus) }
        #expect(Set(try report.packages.map { try CPUSet(parsing: $0.cpus) }) == Set(sysfsPackages.values))

        // NUMA nodes with allowed CPUs: sysfs's nodes, or one node on a machine without NUMA in sysfs.
        let sysfsNodes = (try? LinuxFacts.numaNodes()) ?? [:]
        let reported = try report.numaNodes.filter { !$0.cpus.isEmpty }.map {
            ($0.osIndex, try CPUSet(parsing: $0.cpus))
        }
        if sysfsNodes.isEmpty {
            #expect(reported.count == 1 && reported.first?.1 == allowed)
        } else {
            let expected = sysfsNodes.mapValues { $0.intersection(allowed) }.filter { !$0.value.isEmpty }
            #expect(Dictionary(uniqueKeysWithValues: reported) == expected)
        }

        // Caches: every cache sysfs lists for an allowed CPU, with its level, type, size and sharing CPUs.
        for cpu in allowed {
            let directory = "/sys/devices/system/cpu/cpu\(cpu)/cache"
            let indexes = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for index in indexes where index.hasPrefix("index") {
                func read(_ name: String) throws -> String {
                    try String(contentsOfFile: "\(directory)/\(index)/\(name)", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let level = Int(try read("level"))
                let type = try read("type").lowercased()
                let cpus = try CPUSet(parsing: try read("shared_cpu_list")).intersection(allowed)
                let size = try read("size")  // such as "48K"
                let bytes = size.hasSuffix("K") ? UInt64(size.dropLast()).map { $0 * 1_024 } : UInt64(size)
                #expect(
                    report.caches.contains {
                        $0.level == level && $0.type == type && $0.cpus == cpus.description
                            && (bytes == nil || $0.sizeBytes == bytes)
                    },
                    "cpu\(cpu)/cache/\(index) (L\(level ?? -1) \(type) \(size), CPUs \(cpus)) is not in the report"
                )
            }
        }

        // Placements: where memory binding is supported, a per-NUMA-node worker binds its memory to its node.
        #expect(report.placementMemoryNodes["per-core"]?.allSatisfy { $0 == nil } == true)
        #expect(report.placementMemoryNodes["per-pu"]?.allSatisfy { $0 == nil } == true)
        let nodes = report.numaNodes.filter { !$0.cpus.isEmpty }.map(\.osIndex)
        #expect(report.placementMemoryNodes["per-numa-node"] == nodes.map { report.supportsMemoryBinding ? $0 : nil })
        #expect(report.placements["per-numa-node"] == report.numaNodes.filter { !$0.cpus.isEmpty }.map(\.cpus))
    }

    @Test(.timeLimit(.minutes(1)))
    func jobsListsEveryBuiltInJob() throws {
        struct Entry: Decodable {
            var name: String
            var input: String
            var summary: String
        }
        let result = try LinuxFacts.run(try LinuxFacts.poolWorkerPath(), ["jobs", "--json"])
        try #require(result.status == 0, "pool-worker jobs failed: \(result.error)")
        let entries = try JSONDecoder().decode([Entry].self, from: Data(result.output.utf8))
        #expect(entries.map(\.name) == BuiltinJobs.all.map(\.name))
        for name in ["noop", "echo", "sleep", "spin", "count-primes", "crash-by-signal", "exit-with-status"] {
            #expect(entries.contains { $0.name == name }, "no built-in job \(name)")
        }
        let text = try LinuxFacts.run(try LinuxFacts.poolWorkerPath(), ["jobs"])
        #expect(text.output.split(separator: "\n").count == BuiltinJobs.all.count)
    }
}
