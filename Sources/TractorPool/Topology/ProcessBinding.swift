//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where a process runs and where its memory comes from: binds the calling process, and reads a binding back.
///
/// A pool worker calls ``apply(cpus:memoryNode:)`` on itself as the first thing it does, before it allocates
/// anything of size, then ``current()`` to report what the kernel actually granted. The value `current()` returns
/// is a plain `Sendable` snapshot.
///
/// ```swift
/// try ProcessBinding.apply(cpus: CPUSet([2]), memoryNode: 0)
/// let binding = try ProcessBinding.current()
/// print(binding.cpus, binding.memoryPolicy, binding.memoryNodes)   // 2 bind [0]
/// ```
public struct ProcessBinding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The CPUs the calling thread may run on; after ``apply(cpus:memoryNode:)``, those of the whole process.
    public var cpus: CPUSet
    /// The calling thread's memory policy, such as ``MemoryPolicy/bind``.
    public var memoryPolicy: MemoryPolicy
    /// The NUMA nodes of that policy (for ``MemoryPolicy/bind``, the nodes memory may come from); empty for the
    /// default policy.
    public var memoryNodes: [Int]

    /// Creates a binding value.
    ///
    /// - Parameters:
    ///   - cpus: The CPUs the process may run on.
    ///   - memoryPolicy: The memory policy.
    ///   - memoryNodes: The nodes of the memory policy.
    public init(cpus: CPUSet, memoryPolicy: MemoryPolicy = .default, memoryNodes: [Int] = []) {
        self.cpus = cpus
        self.memoryPolicy = memoryPolicy
        self.memoryNodes = memoryNodes
    }

    /// Whether memory is bound to ``memoryNodes`` (the policy is ``MemoryPolicy/bind``).
    public var isMemoryBound: Bool { memoryPolicy == .bind }

    /// `CPUs 0-3, memory bind [0]`, or `CPUs 0-3, memory default`.
    public var description: String {
        memoryNodes.isEmpty
            ? "CPUs \(cpus), memory \(memoryPolicy)"
            : "CPUs \(cpus), memory \(memoryPolicy) \(memoryNodes)"
    }

    /// Binds the calling process to CPUs and its memory to a NUMA node.
    ///
    /// The memory policy is set first, then the CPU mask. The CPU mask applies to every thread of the process (each
    /// thread listed in `/proc/self/task` gets it, until a pass finds no new thread), and threads created later
    /// inherit it. Both survive `execve`, so a launcher may bind itself and then execute a worker.
    ///
    /// The kernel drops CPUs that do not exist or that the cgroup cpuset forbids; read ``current()`` to see what
    /// was granted. On a host without NUMA support, binding memory to node 0 (the whole memory) succeeds and does
    /// nothing.
    ///
    /// ```swift
    /// // First statement of the worker's main, before it starts tasks or allocates its buffers:
    /// let node = try Topology.current().numaNodes[0]
    /// try ProcessBinding.apply(cpus: node.cpus, memoryNode: node.osIndex)
    /// ```
    ///
    /// The corresponding C functions are `set_mempolicy` (`MPOL_BIND`) and `sched_setaffinity`, made by the
    /// runtime, which every spawned worker uses to bind itself.
    ///
    /// - Important: Linux keeps the memory policy per thread: it binds the calling thread and the threads it
    ///   creates afterwards, not threads that already run. Call this before the process starts other threads (or
    ///   Swift concurrency's thread pool) for the binding to cover the whole process.
    /// - Parameters:
    ///   - cpus: The CPUs the process may run on; `nil` leaves the CPU mask alone.
    ///   - memoryNode: The NUMA node (OS index) memory must come from; `nil` leaves the memory policy alone.
    /// - Throws: ``TractorError`` with code `.invalidArgument` when `cpus` is empty, when none of its CPUs may be
    ///   used, or when the node does not exist or is not allowed to this process; `.systemCallFailed` when a
    ///   system call fails otherwise.
    public static func apply(cpus: CPUSet?, memoryNode: Int?) throws(TractorError) {
        try bind(cpus: cpus, memoryNode: memoryNode)
    }

    /// Applies a binding received in a spawn spec: its CPUs (none means unbound) and its memory node.
    ///
    /// ```swift
    /// if let binding = spawnSpec.binding {
    ///     try ProcessBinding.apply(binding)
    /// }
    /// ```
    ///
    /// The corresponding C functions are `set_mempolicy` and `sched_setaffinity`; see ``apply(cpus:memoryNode:)``.
    ///
    /// - Parameter spec: The binding to apply.
    /// - Throws: ``TractorError``, as ``apply(cpus:memoryNode:)`` does, and with code `.invalidArgument` for a CPU
    ///   number at or above ``CPUSet/indexLimit``.
    package static func apply(_ spec: BindingSpec) throws(TractorError) {
        try ProcessBinder.apply(spec)
    }

    /// Reads back the binding of the calling thread: its CPU mask and memory policy.
    ///
    /// After ``apply(cpus:memoryNode:)`` (with no re-binding of single threads since), this is the binding of the
    /// whole process.
    ///
    /// ```swift
    /// let binding = try ProcessBinding.current()
    /// print("running on CPUs \(binding.cpus)")
    /// ```
    ///
    /// The corresponding C functions are `sched_getaffinity` and `get_mempolicy`.
    ///
    /// - Returns: The binding. On a host without NUMA support the memory policy is ``MemoryPolicy/default``.
    /// - Throws: ``TractorError`` with code `.systemCallFailed` when a system call fails.
    public static func current() throws(TractorError) -> ProcessBinding {
        try readCallingThread()
    }

    /// The CPUs another process (or this one) may run on, from `Cpus_allowed_list` in `/proc/PID/status`.
    ///
    /// The file describes the process's main thread. This is how a parent checks, from outside, that a worker bound
    /// itself.
    ///
    /// ```swift
    /// let workerCPUs = try ProcessBinding.allowedCPUs(ofProcess: worker.pid)
    /// ```
    ///
    /// - Parameter pid: The process id; `getpid()` for this process.
    /// - Returns: The process's allowed CPUs.
    /// - Throws: ``TractorError`` with code `.systemCallFailed` when the file cannot be read (the process does not
    ///   exist), or `.malformedData` when it has no readable `Cpus_allowed_list` line.
    public static func allowedCPUs(ofProcess pid: Int32) throws(TractorError) -> CPUSet {
        try allowedCPUs(inStatus: readProcessStatus(pid), of: pid)
    }

    /// Finds and parses the `Cpus_allowed_list:` line of a `/proc/PID/status` text.
    static func allowedCPUs(inStatus status: String, of pid: Int32) throws(TractorError) -> CPUSet {
        let prefix = "Cpus_allowed_list:"
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            throw TractorError(.malformedData, "/proc/\(pid)/status has no Cpus_allowed_list line")
        }
        do {
            return try CPUSet(parsing: String(line.dropFirst(prefix.count)))
        } catch {
            throw TractorError(.malformedData, "/proc/\(pid)/status has an unreadable Cpus_allowed_list", cause: error)
        }
    }
}
