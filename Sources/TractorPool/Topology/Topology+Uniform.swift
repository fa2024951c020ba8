//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Topology {
    /// Builds a regular machine from counts: packages of NUMA nodes of cores of PUs.
    ///
    /// The machine is numbered the way hwloc numbers it: packages, NUMA nodes and cores in order, and the PUs of
    /// core `c` are the CPUs `c * pusPerCore ..< (c + 1) * pusPerCore`. Each core has a 48 KiB L1d and a 2 MiB L2
    /// cache, each package a 32 MiB L3. Use it to test binding reports and topology code on machines you do not have.
    ///
    /// ```swift
    /// // Two sockets, two NUMA nodes each, four cores per node, two hardware threads per core: 32 CPUs.
    /// let server = Topology.uniform(packages: 2, numaNodesPerPackage: 2, coresPerNUMANode: 4, pusPerCore: 2)
    /// print(server.numaNodes.map(\.cpus))   // [0-7, 8-15, 16-23, 24-31]
    /// ```
    ///
    /// - Parameters:
    ///   - packages: The number of packages (sockets), at least 1.
    ///   - numaNodesPerPackage: NUMA nodes per package, at least 1.
    ///   - coresPerNUMANode: Cores per NUMA node, at least 1.
    ///   - pusPerCore: Hardware threads per core, at least 1.
    ///   - memoryPerNUMANode: Each node's memory in bytes.
    ///   - allowedCPUs: The CPUs the process may use; `nil` allows all.
    ///   - supportsMemoryBinding: Whether the host has NUMA policies; `false` makes it one node.
    ///   - hostname: The host's name.
    /// - Returns: The topology, restricted to `allowedCPUs`.
    /// - Precondition: every count is at least 1.
    public static func uniform(
        packages: Int = 1,
        numaNodesPerPackage: Int = 1,
        coresPerNUMANode: Int,
        pusPerCore: Int = 1,
        memoryPerNUMANode: UInt64 = 1 << 30,
        allowedCPUs: CPUSet? = nil,
        supportsMemoryBinding: Bool = true,
        hostname: String = "synthetic"
    ) -> Topology {
        precondition(
            packages >= 1 && numaNodesPerPackage >= 1 && coresPerNUMANode >= 1 && pusPerCore >= 1,
            "a uniform topology needs at least one of each: package, NUMA node, core and PU"
        )
        let pusPerNode = coresPerNUMANode * pusPerCore
        let pusPerPackage = numaNodesPerPackage * pusPerNode
        var packageList: [Package] = []
        var nodes: [NUMANode] = []
        var cores: [Core] = []
        var caches: [Cache] = []
        for package in 0..<packages {
            let first = package * pusPerPackage
            packageList.append(
                Package(logicalIndex: package, osIndex: package, cpus: CPUSet(first..<first + pusPerPackage))
            )
            caches.append(
                Cache(level: 3, sizeBytes: 32 << 20, lineSizeBytes: 64, cpus: CPUSet(first..<first + pusPerPackage))
            )
            for localNode in 0..<numaNodesPerPackage {
                let node = package * numaNodesPerPackage + localNode
                let nodeFirst = node * pusPerNode
                nodes.append(
                    NUMANode(
                        osIndex: node,
                        cpus: CPUSet(nodeFirst..<nodeFirst + pusPerNode),
                        localMemoryBytes: memoryPerNUMANode
                    )
                )
                for localCore in 0..<coresPerNUMANode {
                    let core = node * coresPerNUMANode + localCore
                    let pus = CPUSet(core * pusPerCore..<(core + 1) * pusPerCore)
                    cores.append(
                        Core(logicalIndex: core, osIndex: localCore, package: package, numaNode: node, cpus: pus)
                    )
                    caches.append(Cache(level: 1, kind: .data, sizeBytes: 48 << 10, lineSizeBytes: 64, cpus: pus))
                    caches.append(Cache(level: 2, sizeBytes: 2 << 20, lineSizeBytes: 64, cpus: pus))
                }
            }
        }
        return Topology(
            hostname: hostname,
            packages: packageList,
            numaNodes: nodes,
            cores: cores,
            caches: caches.sorted { $0.level < $1.level },
            allowedCPUs: allowedCPUs,
            supportsMemoryBinding: supportsMemoryBinding
        )
    }
}
