//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// What a ``Placement`` works out for one machine: the workers to start, where each one runs, and what could not be
/// done as asked.
///
/// A plan always has at least one worker. Each worker binds itself as its entry says, with
/// ``ProcessBinding/apply(cpus:memoryNode:)``, before it allocates.
///
/// ```swift
/// let plan = Placement.perCore.plan(for: try Topology.current())
/// for warning in plan.warnings { print("warning:", warning) }
/// for worker in plan.workers {
///     print(worker.index, worker.cpus.map(\.description) ?? "unbound", worker.numaNode ?? -1)
/// }
/// ```
package struct PlacementPlan: Sendable, Hashable, Codable {
    /// Where one worker runs.
    package struct Worker: Sendable, Hashable, Codable {
        /// The worker's position in the plan: 0, 1, ….
        package var index: Int
        /// The CPUs the worker binds itself to, or `nil` to run wherever the operating system puts it.
        package var cpus: CPUSet?
        /// The NUMA node (OS index) of the worker's CPUs when they lie in one node; `nil` when unbound or spread.
        package var numaNode: Int?
        /// Whether the worker binds its memory to ``numaNode``.
        package var bindsMemory: Bool
        /// The joined host the worker runs on (its agent's name), or `nil` for this machine.
        package var host: String?

        /// Creates a worker entry.
        ///
        /// - Parameters:
        ///   - index: Its position in the plan.
        ///   - cpus: Its CPUs, or `nil` for unbound.
        ///   - numaNode: Its NUMA node, if its CPUs lie in one.
        ///   - bindsMemory: Whether it binds its memory to `numaNode`.
        ///   - host: The joined host it runs on, or `nil` for this machine.
        package init(index: Int, cpus: CPUSet?, numaNode: Int? = nil, bindsMemory: Bool = false, host: String? = nil) {
            self.index = index
            self.host = host
            self.cpus = cpus
            self.numaNode = numaNode
            self.bindsMemory = bindsMemory
        }

        /// The node to bind memory to: ``numaNode`` when ``bindsMemory`` is set, `nil` otherwise.
        ///
        /// ```swift
        /// try ProcessBinding.apply(cpus: worker.cpus, memoryNode: worker.memoryNode)
        /// ```
        package var memoryNode: Int? { bindsMemory ? numaNode : nil }

        /// The binding in the form a spawn spec carries it to the worker process.
        ///
        /// ```swift
        /// let spec = SpawnSpec(jobs: [], binding: worker.bindingSpec, registryAddress: nil, logLevel: "info",
        ///                      teardown: teardown, parent: me)
        /// ```
        package var bindingSpec: BindingSpec? {
            guard cpus != nil || memoryNode != nil else { return nil }
            return BindingSpec(cpus: (cpus ?? CPUSet()).map { UInt32($0) }, memoryNode: memoryNode.map { Int32($0) })
        }
    }

    /// The workers, in index order.
    package var workers: [Worker]
    /// What the plan could not do as asked, in words, such as a CPU set outside the allowed CPUs.
    package var warnings: [String]

    /// Creates a plan.
    ///
    /// - Parameters:
    ///   - workers: The workers, in index order.
    ///   - warnings: What could not be done as asked.
    package init(workers: [Worker], warnings: [String] = []) {
        self.workers = workers
        self.warnings = warnings
    }
}
