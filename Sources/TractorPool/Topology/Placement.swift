//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How a pool lays its workers over the machine: one per core, per NUMA node, per hardware thread, a number of
/// unbound workers, or explicit CPU sets.
///
/// A struct with static members rather than an enum, so that new placements are not a breaking change. A placement
/// is a request: the pool works it out on this machine's ``Topology``, within the CPUs the process may use, and
/// reports what it could not do as asked in ``ProcessPool/warnings``.
///
/// ```swift
/// try await withProcessPool(placement: .perNUMANode) { pool in
///     print("\(pool.workerCount) workers, one per NUMA node")
///     for warning in pool.warnings { print("warning:", warning) }
/// }
/// ```
public struct Placement: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case perCore
        case perNUMANode
        case perPU
        case workers(Int)
        case explicit([CPUSet])
    }

    let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// One worker per physical core of the allowed CPUs, bound to that core's allowed hardware threads. The default.
    public static var perCore: Self { .init(.perCore) }

    /// One worker per NUMA node that has allowed CPUs, bound to the node's allowed CPUs, with its memory bound to
    /// the node (where the host supports NUMA policies).
    public static var perNUMANode: Self { .init(.perNUMANode) }

    /// One worker per allowed hardware thread (PU), bound to it.
    public static var perPU: Self { .init(.perPU) }

    /// `count` workers left unbound: the operating system schedules them.
    ///
    /// ```swift
    /// try await withProcessPool(placement: .workers(8)) { pool in ... }   // 8 unbound workers
    /// ```
    ///
    /// - Parameter count: The number of workers; a count below 1 plans one worker, with a warning.
    public static func workers(_ count: Int) -> Self { .init(.workers(count)) }

    /// One worker per CPU set, bound to it.
    ///
    /// CPUs outside the allowed set are dropped with a warning, and a worker with none left runs unbound. With more
    /// sets than allowed cores, every worker runs unbound, with a warning.
    ///
    /// ```swift
    /// try await withProcessPool(placement: .explicit([CPUSet(0...1), CPUSet(2...3)])) { pool in ... }
    /// ```
    ///
    /// - Parameter cpuSets: The CPUs of each worker, in worker order.
    public static func explicit(_ cpuSets: [CPUSet]) -> Self { .init(.explicit(cpuSets)) }

    /// `perCore`, `perNUMANode`, `perPU`, `workers(4)` or `explicit([0-1, 2-3])`.
    public var description: String {
        switch kind {
        case .perCore: "perCore"
        case .perNUMANode: "perNUMANode"
        case .perPU: "perPU"
        case .workers(let count): "workers(\(count))"
        case .explicit(let cpuSets): "explicit([\(cpuSets.map(\.description).joined(separator: ", "))])"
        }
    }

    /// Works out the workers of this placement on a machine.
    ///
    /// Pure: it reads the topology and nothing else. Only the topology's allowed CPUs are used (a ``Topology``
    /// holds no other). When the placement yields no worker (no allowed core, say), the plan has one unbound worker
    /// and a warning.
    ///
    /// ```swift
    /// let server = Topology.uniform(packages: 2, numaNodesPerPackage: 2, coresPerNUMANode: 4, pusPerCore: 2)
    /// let plan = Placement.perCore.plan(for: server)
    /// print(plan.workers.count, plan.workers[0].cpus!)   // 16 0-1
    /// ```
    ///
    /// - Parameter topology: The machine, as the process may use it.
    /// - Returns: The workers and the warnings.
    package func plan(for topology: Topology) -> PlacementPlan {
        var warnings: [String] = []
        var workers: [PlacementPlan.Worker]
        switch kind {
        case .perCore:
            workers = topology.cores.enumerated().map { index, core in
                .init(index: index, cpus: core.cpus, numaNode: core.numaNode)
            }
        case .perPU:
            workers = topology.processingUnits.enumerated().map { index, pu in
                .init(index: index, cpus: [pu.osIndex], numaNode: pu.numaNode)
            }
        case .perNUMANode:
            workers = topology.numaNodes.filter { !$0.cpus.isEmpty }.enumerated().map { index, node in
                .init(
                    index: index,
                    cpus: node.cpus,
                    numaNode: node.osIndex,
                    bindsMemory: topology.supportsMemoryBinding
                )
            }
        case .workers(let count):
            if count > topology.allowedCPUs.count {
                warnings.append(
                    "\(count) workers oversubscribe the \(topology.allowedCPUs.count) allowed CPUs "
                        + "(\(topology.allowedCPUs)); they will share CPUs"
                )
            }
            workers = (0..<Swift.max(count, 0)).map { .init(index: $0, cpus: nil) }
        case .explicit(let cpuSets):
            workers = Placement.planExplicit(cpuSets, on: topology, warnings: &warnings)
        }
        if workers.isEmpty {
            warnings.append(
                "\(self) yields no worker on this machine (allowed CPUs: \(topology.allowedCPUs)); "
                    + "planning one unbound worker"
            )
            workers = [.init(index: 0, cpus: nil)]
        }
        return PlacementPlan(workers: workers, warnings: warnings)
    }

    private static func planExplicit(
        _ cpuSets: [CPUSet],
        on topology: Topology,
        warnings: inout [String]
    ) -> [PlacementPlan.Worker] {
        let allowed = topology.allowedCPUs
        if cpuSets.count > topology.cores.count {
            warnings.append(
                "\(cpuSets.count) workers for \(topology.cores.count) allowed cores would oversubscribe them; "
                    + "all workers run unbound"
            )
            return cpuSets.indices.map { .init(index: $0, cpus: nil) }
        }
        return cpuSets.enumerated().map { index, requested in
            let granted = requested.intersection(allowed)
            if granted.isEmpty {
                warnings.append(
                    "worker \(index): CPUs \(requested) are all outside the allowed CPUs (\(allowed)); it runs unbound"
                )
                return .init(index: index, cpus: nil)
            }
            if granted != requested {
                warnings.append(
                    "worker \(index): CPUs \(requested.subtracting(allowed)) are outside the allowed CPUs "
                        + "(\(allowed)); it is bound to \(granted)"
                )
            }
            let node = topology.numaNodes.first { !$0.cpus.isEmpty && granted.isSubset(of: $0.cpus) }
            return .init(index: index, cpus: granted, numaNode: node?.osIndex)
        }
    }
}
