//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// A snapshot of the machine: its packages, NUMA nodes, cores, hardware threads and caches, limited to the CPUs this
/// process may use.
///
/// ``current()`` loads it once per process with hwloc, and converts everything into plain Swift values: a
/// `Topology` holds no C handle, is `Sendable`, and can be encoded, compared and built by hand (for tests of
/// placement, or to describe another host). Only the *allowed* part of the machine is in it: CPUs outside the
/// process's affinity mask (`taskset`, `sched_setaffinity`) or its cgroup cpuset are left out, as are the cores,
/// packages, caches and NUMA nodes that have no allowed CPU.
///
/// A host without NUMA support (`numa_available()` fails, or hwloc finds no NUMA node) is described as one node,
/// node 0, holding every allowed CPU; ``supportsMemoryBinding`` then says that memory binding has no effect there.
///
/// ```swift
/// let topology = try Topology.current()
/// print("\(topology.cores.count) cores, allowed CPUs \(topology.allowedCPUs)")
/// for node in topology.numaNodes {
///     print("NUMA node \(node.osIndex): CPUs \(node.cpus)")
/// }
/// ```
public struct Topology: Sendable, Hashable, Codable {
    /// The name of the host, as the kernel reports it (`uname -n`).
    public var hostname: String
    /// The processor packages (sockets) with at least one allowed CPU, in topology order.
    public var packages: [Package]
    /// The NUMA nodes with at least one allowed CPU, and the memory-only nodes, in topology order.
    public var numaNodes: [NUMANode]
    /// The physical cores with at least one allowed CPU, in topology order; each holds only its allowed PUs.
    public var cores: [Core]
    /// The allowed hardware threads, core by core.
    public var processingUnits: [ProcessingUnit]
    /// The caches shared by at least one allowed CPU, ordered as given (hwloc lists them level by level).
    public var caches: [Cache]
    /// The CPUs this process may run on: the union of the ``cores``' PUs.
    public var allowedCPUs: CPUSet
    /// Whether the kernel supports NUMA memory policies, so that binding memory to a node has an effect.
    public var supportsMemoryBinding: Bool

    /// Creates a topology from plain values, keeping only what lies in `allowedCPUs`.
    ///
    /// This is how tests and tools describe a machine that is not this one. The initializer restricts the parts to
    /// the allowed CPUs as ``current()`` does: cores, packages and caches keep only allowed CPUs and are dropped
    /// when none is left; NUMA nodes that had CPUs but none allowed are dropped, memory-only nodes are kept. A core
    /// whose ``Core/numaNode`` is `nil` gets the node whose CPUs hold its own. With no NUMA node, or with
    /// `supportsMemoryBinding == false`, the topology has one node, node 0, holding all the CPUs.
    ///
    /// ```swift
    /// let laptop = Topology(
    ///     packages: [.init(logicalIndex: 0, cpus: CPUSet(0...3))],
    ///     numaNodes: [.init(osIndex: 0, cpus: CPUSet(0...3))],
    ///     cores: [.init(logicalIndex: 0, package: 0, cpus: [0, 1]), .init(logicalIndex: 1, package: 0, cpus: [2, 3])],
    ///     allowedCPUs: [0, 1]
    /// )
    /// print(laptop.cores.count)                    // 1
    /// ```
    ///
    /// - Parameters:
    ///   - hostname: The host's name.
    ///   - packages: The packages of the whole machine.
    ///   - numaNodes: The NUMA nodes of the whole machine; empty for a machine without NUMA support.
    ///   - cores: The cores of the whole machine with their PUs.
    ///   - caches: The caches of the whole machine.
    ///   - allowedCPUs: The CPUs the process may use; `nil` allows all the cores' PUs.
    ///   - supportsMemoryBinding: Whether the host has NUMA memory policies.
    public init(
        hostname: String = "localhost",
        packages: [Package],
        numaNodes: [NUMANode],
        cores: [Core],
        caches: [Cache] = [],
        allowedCPUs: CPUSet? = nil,
        supportsMemoryBinding: Bool = true
    ) {
        let machineCPUs = cores.reduce(into: CPUSet()) { $0.formUnion($1.cpus) }
        let allowed = (allowedCPUs ?? machineCPUs).intersection(machineCPUs)
        var nodes = numaNodes
        if nodes.isEmpty || !supportsMemoryBinding {
            let memory = nodes.reduce(0) { $0 + $1.localMemoryBytes }
            nodes = [NUMANode(osIndex: 0, cpus: machineCPUs, localMemoryBytes: memory)]
        }

        self.hostname = hostname
        self.supportsMemoryBinding = supportsMemoryBinding
        self.allowedCPUs = allowed
        self.cores = cores.compactMap { core in
            var core = core
            if core.numaNode == nil || !supportsMemoryBinding || numaNodes.isEmpty {
                core.numaNode = Topology.node(holding: core.cpus, in: nodes)?.osIndex
            }
            core.cpus.formIntersection(allowed)
            return core.cpus.isEmpty ? nil : core
        }
        self.numaNodes = nodes.compactMap { node in
            guard !node.cpus.isEmpty else { return node }
            var node = node
            node.cpus.formIntersection(allowed)
            return node.cpus.isEmpty ? nil : node
        }
        self.packages = packages.compactMap { package in
            var package = package
            package.cpus.formIntersection(allowed)
            return package.cpus.isEmpty ? nil : package
        }
        self.caches = caches.compactMap { cache in
            var cache = cache
            cache.cpus.formIntersection(allowed)
            return cache.cpus.isEmpty ? nil : cache
        }
        self.processingUnits = self.cores.flatMap { core in
            core.cpus.map {
                ProcessingUnit(osIndex: $0, core: core.logicalIndex, package: core.package, numaNode: core.numaNode)
            }
        }
    }

    /// The same machine, limited further to `cpus`.
    ///
    /// The result is what ``current()`` would return in a process whose affinity mask were `cpus`: use it to ask how
    /// a placement would look under `taskset -c 0-3` without running one.
    ///
    /// ```swift
    /// let firstTwo = try Topology.current().restricted(to: CPUSet(0...1))
    /// print(firstTwo.allowedCPUs)                  // 0-1, or less
    /// ```
    ///
    /// - Parameter cpus: The CPUs to keep.
    /// - Returns: A topology whose ``allowedCPUs`` is `allowedCPUs ∩ cpus`.
    public func restricted(to cpus: CPUSet) -> Topology {
        Topology(
            hostname: hostname,
            packages: packages,
            numaNodes: numaNodes,
            cores: cores,
            caches: caches,
            allowedCPUs: allowedCPUs.intersection(cpus),
            supportsMemoryBinding: supportsMemoryBinding
        )
    }

    /// The topology of this machine, as this process may use it; loaded with hwloc on the first call and cached.
    ///
    /// Loading reads sysfs and takes milliseconds, so the first snapshot is kept for the life of the process. A
    /// process that changes its own affinity later (a worker that binds itself) and wants to see the change calls
    /// ``load()`` instead. The allowed set is hwloc's (which honours cgroup cpusets) intersected with the affinity
    /// mask of the process's main thread (which honours `taskset` and `sched_setaffinity`).
    ///
    /// ```swift
    /// let topology = try Topology.current()
    /// print("\(topology.cores.count) cores, allowed CPUs \(topology.allowedCPUs)")
    /// ```
    ///
    /// The corresponding C functions are `hwloc_topology_init`, `hwloc_topology_load` and `sched_getaffinity`.
    ///
    /// - Returns: The cached snapshot.
    /// - Throws: ``TractorError`` with code `.systemCallFailed` when hwloc cannot load the topology or the affinity
    ///   mask cannot be read.
    public static func current() throws(TractorError) -> Topology {
        try cachedTopology.withLock { (cached: inout Topology?) throws(TractorError) -> Topology in
            if let cached {
                return cached
            }
            let topology = try load()
            cached = topology
            return topology
        }
    }

    /// Loads a fresh snapshot of this machine with hwloc, bypassing the cache of ``current()``.
    ///
    /// ```swift
    /// try ProcessBinding.apply(cpus: [0], memoryNode: nil)
    /// print(try Topology.load().allowedCPUs)       // 0
    /// ```
    ///
    /// The corresponding C functions are `hwloc_topology_init`, `hwloc_topology_load` and `sched_getaffinity`.
    ///
    /// - Returns: The machine, limited to the CPUs this process may use now.
    /// - Throws: ``TractorError`` with code `.systemCallFailed` when hwloc cannot load the topology or the affinity
    ///   mask cannot be read.
    public static func load() throws(TractorError) -> Topology {
        let machine = try loadWithHwloc(supportsMemoryBinding: ProcessBinding.numaIsAvailable)
        let affinity = try ProcessBinding.mainThreadAffinity()
        return machine.restricted(to: affinity)
    }

    /// The node whose CPUs hold all of `cpus`, or failing that the first that shares one with them.
    static func node(holding cpus: CPUSet, in nodes: [NUMANode]) -> NUMANode? {
        nodes.first { !$0.cpus.isEmpty && cpus.isSubset(of: $0.cpus) }
            ?? nodes.first { !$0.cpus.isDisjoint(with: cpus) }
    }

    /// The core that holds PU `cpu`, if the topology has one.
    func core(holding cpu: Int) -> Core? {
        cores.first { $0.cpus.contains(cpu) }
    }
}

/// The snapshot ``Topology/current()`` returns, once loaded. Guarded by its own mutex; loading happens inside the
/// lock, so that concurrent first calls load once.
private let cachedTopology = Mutex<Topology?>(nil)
