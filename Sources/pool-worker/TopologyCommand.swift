//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import TractorCommandLine
import TractorPool

/// `pool-worker topology`: prints the machine as hwloc sees it and the placement each policy would produce.
struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print the machine's topology and the worker placement of each policy.",
        discussion: """
            Shows the packages, NUMA nodes, cores with their hardware threads (PUs), caches and the CPUs this \
            process may use, as hwloc sees them, limited to the allowed CPUs (the affinity mask and the cgroup \
            cpuset), and the workers that the per-core, per-numa-node and per-pu placements would start here.

            Examples:
              pool-worker topology
              pool-worker topology --json | jq '.placements["per-core"]'
              taskset -c 0 pool-worker topology     # as a process pinned to CPU 0 sees it
            """
    )

    /// The placements the command shows, in order.
    static let placements: [(name: String, placement: Placement)] = PlacementOption.allCases.compactMap { option in
        option.pinned.map { (option.rawValue, $0) }
    }

    @Flag(help: "Print machine-readable JSON (sorted keys) instead of text.")
    var json = false

    func run() throws {
        let topology = try Topology.current()
        if json {
            print(try JSONOutputEncoder().encode(TopologyReport(topology, placements: Self.placements)))
        } else {
            print(TopologyCommand.text(for: topology), terminator: "")
        }
    }

    /// The human-readable report.
    static func text(for topology: Topology) -> String {
        var out = "Host \(topology.hostname): \(count(topology.packages.count, "package")), "
        out += "\(count(topology.numaNodes.count, "NUMA node")), \(count(topology.cores.count, "core")), "
        out += "\(count(topology.processingUnits.count, "PU")); allowed CPUs \(topology.allowedCPUs)\n"
        out += "\nPackages\n"
        for package in topology.packages {
            out += "  package \(package.logicalIndex): CPUs \(package.cpus)\n"
        }
        out += "\nNUMA nodes (memory binding \(topology.supportsMemoryBinding ? "supported" : "not supported"))\n"
        for node in topology.numaNodes {
            out += "  node \(node.osIndex): CPUs \(node.cpus.isEmpty ? "none" : node.cpus.description), "
            out += "\(bytes(node.localMemoryBytes))\n"
        }
        out += "\nCores\n"
        for core in topology.cores {
            let package = core.package.map { "package \($0)" } ?? "no package"
            let node = core.numaNode.map { "node \($0)" } ?? "no node"
            out += "  core \(core.logicalIndex) (\(package), \(node)): PU \(core.cpus)\n"
        }
        out += "\nCaches\n"
        for cache in topology.caches {
            out += "  \(cache.name) \(bytes(cache.sizeBytes)), line \(cache.lineSizeBytes) B: CPUs \(cache.cpus)\n"
        }
        out += "\nPlacements\n"
        let nameWidth = (placements.map(\.name.count).max() ?? 0) + 2
        for (name, placement) in placements {
            let plan = placement.plan(for: topology)
            let workers = plan.workers.map { worker in
                var text = worker.cpus.map { "[\($0)]" } ?? "[unbound]"
                if let node = worker.memoryNode {
                    text += " memory on node \(node)"
                }
                return text
            }
            out += "  \(name)" + String(repeating: " ", count: nameWidth - name.count)
            out += "\(count(plan.workers.count, "worker")): \(workers.joined(separator: " "))\n"
            for warning in plan.warnings {
                out += "    warning: \(warning)\n"
            }
        }
        return out
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// `48 KiB`, `2 MiB`, `23.4 GiB`, `unknown size`.
    static func bytes(_ value: UInt64) -> String {
        guard value > 0 else { return "unknown size" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var unit = 0
        var scale: UInt64 = 1
        while unit + 1 < units.count && value >= scale * 1024 {
            scale *= 1024
            unit += 1
        }
        let tenths = (value * 10 + scale / 2) / scale
        return tenths % 10 == 0 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}

/// The `--json` form of `pool-worker topology`: CPU sets are list strings (`"0-3,8"`), core PUs are arrays.
struct TopologyReport: Encodable {
    struct Package: Encodable {
        var index: Int
        var osIndex: Int?
        var cpus: String
    }
    struct NUMANode: Encodable {
        var osIndex: Int
        var cpus: String
        var localMemoryBytes: UInt64
    }
    struct Core: Encodable {
        var index: Int
        var osIndex: Int?
        var package: Int?
        var numaNode: Int?
        var pus: [Int]
    }
    struct Cache: Encodable {
        var name: String
        var level: Int
        var type: String
        var sizeBytes: UInt64
        var lineSizeBytes: Int
        var cpus: String
    }

    var hostname: String
    var allowedCPUs: String
    var supportsMemoryBinding: Bool
    var packages: [Package]
    var numaNodes: [NUMANode]
    var cores: [Core]
    var pus: [Int]
    var caches: [Cache]
    /// Per placement, each worker's CPU set, or `null` for an unbound worker.
    var placements: [String: [String?]]
    /// Per placement, the NUMA node each worker's memory is bound to, or `null` where it is not bound.
    var placementMemoryNodes: [String: [Int?]]
    /// Per placement, the warnings of its plan.
    var placementWarnings: [String: [String]]

    init(_ topology: Topology, placements: [(name: String, placement: Placement)]) {
        hostname = topology.hostname
        allowedCPUs = topology.allowedCPUs.description
        supportsMemoryBinding = topology.supportsMemoryBinding
        packages = topology.packages.map {
            .init(index: $0.logicalIndex, osIndex: $0.osIndex, cpus: $0.cpus.description)
        }
        numaNodes = topology.numaNodes.map {
            .init(osIndex: $0.osIndex, cpus: $0.cpus.description, localMemoryBytes: $0.localMemoryBytes)
        }
        cores = topology.cores.map {
            .init(
                index: $0.logicalIndex,
                osIndex: $0.osIndex,
                package: $0.package,
                numaNode: $0.numaNode,
                pus: Array($0.cpus)
            )
        }
        pus = topology.processingUnits.map(\.osIndex)
        caches = topology.caches.map {
            .init(
                name: $0.name,
                level: $0.level,
                type: $0.kind.description,
                sizeBytes: $0.sizeBytes,
                lineSizeBytes: $0.lineSizeBytes,
                cpus: $0.cpus.description
            )
        }
        var plans: [String: [String?]] = [:]
        var memoryNodes: [String: [Int?]] = [:]
        var warnings: [String: [String]] = [:]
        for (name, placement) in placements {
            let plan = placement.plan(for: topology)
            plans[name] = plan.workers.map { $0.cpus?.description }
            memoryNodes[name] = plan.workers.map(\.memoryNode)
            warnings[name] = plan.warnings
        }
        self.placements = plans
        self.placementMemoryNodes = memoryNodes
        self.placementWarnings = warnings
    }
}
