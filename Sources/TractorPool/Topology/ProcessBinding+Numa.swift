//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The only file that imports CNuma. Node masks are built and read here as arrays of `unsigned long`, the layout
// `set_mempolicy` and `get_mempolicy` take; nothing from libnuma leaves this file.
import CNuma

#if canImport(Glibc)
import Glibc
#endif

/// Whether the kernel supports NUMA policies, asked once per process. The corresponding C function is
/// `numa_available`.
private let numaAvailable: Bool = numa_available() != -1

extension ProcessBinding {
    /// Whether the host supports NUMA memory policies (`numa_available()` does not fail).
    static var numaIsAvailable: Bool { numaAvailable }

    /// Binds the calling thread's memory, and that of the threads it creates later, to one node.
    static func bindMemory(toNode node: Int) throws(TractorError) {
        guard node >= 0 else {
            throw TractorError(.invalidArgument, "NUMA node \(node) does not exist: node numbers start at 0")
        }
        guard numaIsAvailable else {
            if node == 0 {
                return  // The whole memory is node 0: there is nothing to bind.
            }
            throw TractorError(
                .invalidArgument,
                "NUMA node \(node) does not exist: this host has no NUMA support, so all its memory is node 0"
            )
        }
        let allowed = allowedMemoryNodes()
        guard allowed.contains(node) else {
            throw TractorError(
                .invalidArgument,
                "cannot bind memory to NUMA node \(node): this process may use only nodes \(allowed)"
            )
        }
        var mask = emptyNodeMask()
        guard node < mask.count * UInt.bitWidth else {
            throw TractorError(.invalidArgument, "NUMA node \(node) is above the highest possible node")
        }
        mask[node / UInt.bitWidth] |= 1 << UInt(node % UInt.bitWidth)
        let result = set_mempolicy(MPOL_BIND, mask, UInt(mask.count * UInt.bitWidth + 1))
        guard result == 0 else {
            let failure = SystemErrno(errno, call: "set_mempolicy")
            throw TractorError(
                failure.code == EINVAL ? .invalidArgument : .systemCallFailed,
                "cannot bind memory to NUMA node \(node)",
                cause: failure
            )
        }
    }

    /// The calling thread's memory policy and its nodes; the default policy on a host without NUMA support.
    static func memoryPolicyOfCallingThread() throws(TractorError) -> (MemoryPolicy, [Int]) {
        guard numaIsAvailable else {
            return (.default, [])
        }
        var mode: Int32 = 0
        var mask = emptyNodeMask()
        let result = get_mempolicy(&mode, &mask, UInt(mask.count * UInt.bitWidth + 1), nil, 0)
        guard result == 0 else {
            throw TractorError(
                .systemCallFailed,
                "could not read the calling thread's memory policy",
                cause: SystemErrno(errno, call: "get_mempolicy")
            )
        }
        // The mode may carry flags such as MPOL_F_NUMA_BALANCING above its low bits.
        let policy: MemoryPolicy
        switch mode & 0xff {
        case MPOL_DEFAULT: policy = .default
        case MPOL_BIND: policy = .bind
        case MPOL_PREFERRED: policy = .preferred
        case MPOL_PREFERRED_MANY: policy = .preferredMany
        case MPOL_INTERLEAVE: policy = .interleave
        case MPOL_LOCAL: policy = .local
        default: policy = MemoryPolicy(name: "mode \(mode & 0xff)")
        }
        return (policy, nodes(in: mask))
    }

    /// The nodes the process's cgroup lets it take memory from. The corresponding C function is
    /// `numa_get_mems_allowed`.
    private static func allowedMemoryNodes() -> [Int] {
        guard let allowed = numa_get_mems_allowed() else { return [] }
        defer { numa_bitmask_free(allowed) }
        return (0..<Int(allowed.pointee.size)).filter { numa_bitmask_isbitset(allowed, UInt32($0)) != 0 }
    }

    /// A zeroed node mask with room for every possible node. The corresponding C function is
    /// `numa_max_possible_node`.
    private static func emptyNodeMask() -> [UInt] {
        let nodeCount = Int(numa_max_possible_node()) + 1
        return [UInt](repeating: 0, count: (nodeCount + UInt.bitWidth - 1) / UInt.bitWidth)
    }

    private static func nodes(in mask: [UInt]) -> [Int] {
        mask.enumerated().flatMap { index, word in
            (0..<UInt.bitWidth).filter { word & (1 << UInt($0)) != 0 }.map { index * UInt.bitWidth + $0 }
        }
    }
}

/// `sched_getaffinity(tid)`: the CPUs a thread may run on (`tid` 0 is the calling thread).
///
/// The corresponding C function is libnuma's `numa_sched_getaffinity`, a direct wrapper of the system call (Glibc's
/// module does not export `sched_getaffinity`). The kernel refuses a mask smaller than its CPU count with EINVAL;
/// the buffer grows until it fits.
func sysSchedGetaffinity(_ tid: pid_t) -> Result<CPUSet, SystemErrno> {
    var wordCount = 1024 / UInt.bitWidth  // 1,024 CPUs, the size of glibc's cpu_set_t
    while true {
        var words = [UInt](repeating: 0, count: wordCount)
        let result = words.withUnsafeMutableBufferPointer { buffer in
            var mask = bitmask(size: UInt(buffer.count * UInt.bitWidth), maskp: buffer.baseAddress)
            return numa_sched_getaffinity(tid, &mask)
        }
        if result >= 0 {
            var set = CPUSet()
            for (index, word) in words.enumerated() where word != 0 {
                for bit in 0..<UInt.bitWidth where word & (1 << UInt(bit)) != 0 {
                    set.insert(index * UInt.bitWidth + bit)
                }
            }
            return .success(set)
        }
        let code = errno
        guard code == EINVAL, wordCount * UInt.bitWidth < CPUSet.indexLimit else {
            return .failure(SystemErrno(code, call: "sched_getaffinity"))
        }
        wordCount *= 2
    }
}

/// `sched_setaffinity(tid, cpus)`: lets a thread run only on `cpus` (`tid` 0 is the calling thread).
///
/// The corresponding C function is libnuma's `numa_sched_setaffinity`, a direct wrapper of the system call.
func sysSchedSetaffinity(_ tid: pid_t, _ cpus: CPUSet) -> Result<Void, SystemErrno> {
    // A whole number of 1,024-CPU blocks, large enough for the highest CPU.
    let wordCount = ((cpus.last ?? 0) / 1024 + 1) * (1024 / UInt.bitWidth)
    var words = [UInt](repeating: 0, count: wordCount)
    for cpu in cpus {
        words[cpu / UInt.bitWidth] |= 1 << UInt(cpu % UInt.bitWidth)
    }
    let result = words.withUnsafeMutableBufferPointer { buffer in
        var mask = bitmask(size: UInt(buffer.count * UInt.bitWidth), maskp: buffer.baseAddress)
        return numa_sched_setaffinity(tid, &mask)
    }
    return result == 0 ? .success(()) : .failure(SystemErrno(errno, call: "sched_setaffinity"))
}
