//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Where one running worker process is bound, as it read its binding back after applying it.
///
/// A pool collects one per worker; ``BindingReport/render(_:topology:)`` prints them like Open MPI's
/// `--report-bindings`.
///
/// ```swift
/// let binding = try ProcessBinding.current()
/// let report = WorkerBinding(
///     workerID: 0, pid: getpid(), cpus: binding.cpus, numaNode: 0, memoryBound: binding.isMemoryBound
/// )
/// ```
public struct WorkerBinding: Sendable, Hashable, Codable {
    /// The worker's index in its pool.
    public var workerID: Int
    /// The worker's process id.
    public var pid: Int32
    /// The CPUs the worker is bound to, or `nil` when it is not bound.
    public var cpus: CPUSet?
    /// The NUMA node (OS index) of the worker's CPUs or memory, if any.
    public var numaNode: Int?
    /// Whether the worker's memory is bound to ``numaNode``.
    public var memoryBound: Bool
    /// The joined host the worker runs on (its agent's name), or `nil` for this machine.
    public var host: String?

    /// Creates a worker binding.
    ///
    /// - Parameters:
    ///   - workerID: The worker's index in its pool.
    ///   - pid: Its process id.
    ///   - cpus: Its CPUs, or `nil` when unbound.
    ///   - numaNode: Its NUMA node, if any.
    ///   - memoryBound: Whether its memory is bound to `numaNode`.
    ///   - host: The joined host it runs on, or `nil` for this machine.
    public init(
        workerID: Int, pid: Int32, cpus: CPUSet?, numaNode: Int? = nil, memoryBound: Bool = false, host: String? = nil
    ) {
        self.workerID = workerID
        self.host = host
        self.pid = pid
        self.cpus = cpus
        self.numaNode = numaNode
        self.memoryBound = memoryBound
    }
}
