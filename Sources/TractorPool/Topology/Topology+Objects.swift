//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Topology {
    /// A processor package (a socket): the chip that holds a group of cores.
    ///
    /// ```swift
    /// for package in try Topology.current().packages {
    ///     print("package \(package.logicalIndex): CPUs \(package.cpus)")
    /// }
    /// ```
    public struct Package: Sendable, Hashable, Codable {
        /// hwloc's logical index: packages are numbered 0, 1, … in topology order.
        public var logicalIndex: Int
        /// The operating system's number for the package (`physical_package_id` in sysfs), if it has one.
        public var osIndex: Int?
        /// The allowed CPUs of the package.
        public var cpus: CPUSet

        /// Creates a package.
        ///
        /// - Parameters:
        ///   - logicalIndex: The package's position in topology order.
        ///   - osIndex: The operating system's number for it, if any.
        ///   - cpus: Its CPUs.
        public init(logicalIndex: Int, osIndex: Int? = nil, cpus: CPUSet) {
            self.logicalIndex = logicalIndex
            self.osIndex = osIndex
            self.cpus = cpus
        }
    }

    /// A NUMA node: a bank of memory and the CPUs closest to it.
    ///
    /// ```swift
    /// for node in try Topology.current().numaNodes {
    ///     print("node \(node.osIndex): CPUs \(node.cpus), \(node.localMemoryBytes) bytes")
    /// }
    /// ```
    public struct NUMANode: Sendable, Hashable, Codable {
        /// The operating system's node number: the one `numactl --membind` and ``ProcessBinding`` take.
        public var osIndex: Int
        /// The allowed CPUs local to the node; empty for a memory-only node.
        public var cpus: CPUSet
        /// The node's memory, in bytes; 0 when unknown.
        public var localMemoryBytes: UInt64

        /// Creates a NUMA node.
        ///
        /// - Parameters:
        ///   - osIndex: The operating system's node number.
        ///   - cpus: Its local CPUs.
        ///   - localMemoryBytes: Its memory in bytes, 0 when unknown.
        public init(osIndex: Int, cpus: CPUSet, localMemoryBytes: UInt64 = 0) {
            self.osIndex = osIndex
            self.cpus = cpus
            self.localMemoryBytes = localMemoryBytes
        }
    }

    /// A physical core and its hardware threads (PUs).
    ///
    /// ```swift
    /// for core in try Topology.current().cores {
    ///     print("core \(core.logicalIndex): PUs \(core.cpus)")
    /// }
    /// ```
    public struct Core: Sendable, Hashable, Codable {
        /// hwloc's logical index: cores are numbered 0, 1, … across the whole machine, in topology order.
        public var logicalIndex: Int
        /// The operating system's number for the core (`core_id` in sysfs, unique only within a package), if any.
        public var osIndex: Int?
        /// The logical index of the ``Package`` holding the core, if the machine reports packages.
        public var package: Int?
        /// The OS index of the ``NUMANode`` the core belongs to, if known.
        public var numaNode: Int?
        /// The core's allowed PUs, by OS number.
        public var cpus: CPUSet

        /// Creates a core.
        ///
        /// - Parameters:
        ///   - logicalIndex: The core's position in topology order, across the machine.
        ///   - osIndex: The operating system's number for it, if any.
        ///   - package: The logical index of its package, if any.
        ///   - numaNode: The OS index of its NUMA node; `nil` lets the ``Topology`` initializer find the node whose
        ///     CPUs hold the core's.
        ///   - cpus: Its PUs, by OS number.
        public init(logicalIndex: Int, osIndex: Int? = nil, package: Int? = nil, numaNode: Int? = nil, cpus: CPUSet) {
            self.logicalIndex = logicalIndex
            self.osIndex = osIndex
            self.package = package
            self.numaNode = numaNode
            self.cpus = cpus
        }
    }

    /// A processing unit (PU): one hardware thread, the unit the operating system schedules, and the thing a
    /// ``CPUSet`` counts.
    ///
    /// ```swift
    /// for pu in try Topology.current().processingUnits {
    ///     print("PU \(pu.osIndex) on core \(pu.core)")
    /// }
    /// ```
    public struct ProcessingUnit: Sendable, Hashable, Codable {
        /// The operating system's CPU number, as in `/sys/devices/system/cpu/cpuN` and ``CPUSet``.
        public var osIndex: Int
        /// The logical index of the ``Core`` holding the PU.
        public var core: Int
        /// The logical index of the ``Package`` holding the PU, if known.
        public var package: Int?
        /// The OS index of the ``NUMANode`` the PU belongs to, if known.
        public var numaNode: Int?

        /// Creates a PU.
        ///
        /// - Parameters:
        ///   - osIndex: The operating system's CPU number.
        ///   - core: The logical index of its core.
        ///   - package: The logical index of its package, if known.
        ///   - numaNode: The OS index of its NUMA node, if known.
        public init(osIndex: Int, core: Int, package: Int? = nil, numaNode: Int? = nil) {
            self.osIndex = osIndex
            self.core = core
            self.package = package
            self.numaNode = numaNode
        }
    }
}
