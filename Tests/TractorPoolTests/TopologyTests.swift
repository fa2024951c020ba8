//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

/// The snapshot of this machine, checked against what Linux says in `/proc` and `/sys`.
@Suite struct TopologyTests {
    @Test func allowedCPUsAreTheProcessAffinity() throws {
        let topology = try Topology.current()
        let status = try LinuxFacts.allowedCPUsOfThisProcess()
        #expect(topology.allowedCPUs == status)
        #expect(!topology.allowedCPUs.isEmpty)
        #expect(topology.processingUnits.map(\.osIndex) == Array(topology.allowedCPUs))
        // `taskset -p` reads the mask with sched_getaffinity, independently of this package.
        let taskset = try LinuxFacts.run("/usr/bin/taskset", ["-c", "-p", "\(getpid())"])
        #expect(taskset.status == 0)
        let list = try #require(taskset.output.split(separator: ":").last)
        #expect(try CPUSet(parsing: String(list)) == topology.allowedCPUs)
    }

    @Test func coresAreTheDistinctPackageAndCoreIDsOfTheAllowedCPUs() throws {
        let topology = try Topology.current()
        let allowed = try LinuxFacts.allowedCPUsOfThisProcess()
        let cores = try LinuxFacts.physicalCores(of: allowed)
        #expect(topology.cores.count == cores.count)
        // Each core holds exactly the allowed CPUs that sysfs says share its (package, core) pair.
        let grouped = try Dictionary(grouping: allowed) { try LinuxFacts.packageAndCoreID(of: $0) }
        #expect(Set(topology.cores.map(\.cpus)) == Set(grouped.values.map { CPUSet($0) }))
        #expect(topology.cores.reduce(CPUSet()) { $0.union($1.cpus) } == allowed)
        #expect(Set(topology.packages.compactMap(\.osIndex)) == Set(cores.map(\.package)))
    }

    @Test func numaNodesCoverTheAllowedCPUs() throws {
        let topology = try Topology.current()
        #expect(!topology.numaNodes.isEmpty)
        let covered = topology.numaNodes.reduce(CPUSet()) { $0.union($1.cpus) }
        #expect(covered == topology.allowedCPUs)
        #expect(topology.cores.allSatisfy { core in topology.numaNodes.contains { $0.osIndex == core.numaNode } })
        if topology.supportsMemoryBinding {
            // With NUMA support, the nodes are those sysfs lists that hold allowed CPUs.
            let sysfsNodes = try LinuxFacts.numaNodes()
            for node in topology.numaNodes where !node.cpus.isEmpty {
                let sysfsCPUs = try #require(sysfsNodes[node.osIndex])
                #expect(node.cpus == sysfsCPUs.intersection(topology.allowedCPUs))
            }
        }
    }

    @Test func cachesAndHostnameAreThere() throws {
        let topology = try Topology.current()
        #expect(topology.hostname == (try LinuxFacts.hostname()))
        #expect(
            topology.caches.allSatisfy {
                $0.level >= 1 && !$0.cpus.isEmpty && $0.cpus.isSubset(of: topology.allowedCPUs)
            }
        )
        // Every allowed CPU has a level-1 data or unified cache, when sysfs describes caches at all.
        if FileManager.default.fileExists(
            atPath: "/sys/devices/system/cpu/cpu\(topology.allowedCPUs.first!)/cache/index0"
        ) {
            let l1 = topology.caches.filter { $0.level == 1 && $0.kind != .instruction }
            #expect(l1.reduce(CPUSet()) { $0.union($1.cpus) } == topology.allowedCPUs)
        }
    }

    @Test func currentIsCachedAndLoadAgrees() throws {
        let first = try Topology.current()
        #expect(try Topology.current() == first)
        #expect(try Topology.load() == first)
    }

    @Test func encodesAndDecodes() throws {
        let machine = Topology.uniform(packages: 2, coresPerNUMANode: 2, pusPerCore: 2, allowedCPUs: CPUSet(1...6))
        let data = try JSONEncoder().encode(machine)
        #expect(try JSONDecoder().decode(Topology.self, from: data) == machine)
    }

    @Test func restrictingKeepsOnlyAllowedParts() {
        let machine = Topology(
            hostname: "box",
            packages: [.init(logicalIndex: 0, cpus: CPUSet(0...3)), .init(logicalIndex: 1, cpus: CPUSet(4...7))],
            numaNodes: [
                .init(osIndex: 0, cpus: CPUSet(0...3), localMemoryBytes: 100),
                .init(osIndex: 1, cpus: CPUSet(4...7), localMemoryBytes: 100),
                .init(osIndex: 2, cpus: CPUSet(), localMemoryBytes: 50),  // memory only
            ],
            cores: (0..<4).map { .init(logicalIndex: $0, package: $0 / 2, cpus: CPUSet(2 * $0...2 * $0 + 1)) },
            caches: [
                .init(level: 3, sizeBytes: 8, cpus: CPUSet(0...3)), .init(level: 3, sizeBytes: 8, cpus: CPUSet(4...7)),
            ],
            allowedCPUs: [1, 2, 3, 9]
        )
        #expect(machine.allowedCPUs == CPUSet(1...3))
        #expect(machine.cores.map(\.logicalIndex) == [0, 1])
        #expect(machine.cores.map(\.cpus) == [[1], [2, 3]])
        #expect(machine.cores.map(\.numaNode) == [0, 0])
        #expect(machine.packages.map(\.logicalIndex) == [0])
        #expect(machine.numaNodes.map(\.osIndex) == [0, 2])
        #expect(machine.caches.count == 1)
        #expect(
            machine.processingUnits == [
                .init(osIndex: 1, core: 0, package: 0, numaNode: 0),
                .init(osIndex: 2, core: 1, package: 0, numaNode: 0),
                .init(osIndex: 3, core: 1, package: 0, numaNode: 0),
            ]
        )
        #expect(machine.restricted(to: [3]).cores.map(\.cpus) == [[3]])
        #expect(machine.restricted(to: [3]).allowedCPUs == [3])
    }

    @Test func uniformMachinesAreNumberedLikeHwloc() {
        let machine = Topology.uniform(packages: 2, numaNodesPerPackage: 2, coresPerNUMANode: 4, pusPerCore: 2)
        #expect(machine.packages.map(\.cpus) == [CPUSet(0...15), CPUSet(16...31)])
        #expect(machine.numaNodes.map(\.cpus) == [CPUSet(0...7), CPUSet(8...15), CPUSet(16...23), CPUSet(24...31)])
        #expect(machine.cores.count == 16 && machine.processingUnits.count == 32)
        #expect(machine.cores[5] == .init(logicalIndex: 5, osIndex: 1, package: 0, numaNode: 1, cpus: [10, 11]))
        #expect(
            machine.caches.map(\.level) == Array(repeating: 1, count: 16) + Array(repeating: 2, count: 16) + [3, 3]
        )
        #expect(machine.caches.first?.name == "L1d" && machine.caches.last?.name == "L3")
    }
}
