//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

/// Binds the calling process to CPUs and its memory to a NUMA node, and reads a binding back.
///
/// Every spawned child applies the ``BindingSpec`` of its spawn spec through this before it serves a job, whatever
/// its program is (the re-executed parent, `pool-worker`, a worker of your own). TractorPool's `ProcessBinding` is
/// the public face of the same calls.
package enum ProcessBinder {
    /// CPU numbers from here on are refused (the kernel's own limit is far lower).
    package static let cpuLimit = 1 << 20

    /// Whether the kernel supports NUMA memory policies: `get_mempolicy` does not fail with ENOSYS (libnuma's
    /// `numa_available` asks the same way). Asked once per process.
    package static let numaIsAvailable: Bool = {
        if case .failure(let error) = sys_get_mempolicy(), error.rawValue == ENOSYS { return false }
        return true
    }()

    /// The environment variable that carries a child's binding, so that the child can bind itself as its first act,
    /// before its runtime starts threads; the spawn spec carries the same binding, applied again before serving.
    package static let environmentVariable = "TRACTOR_BINDING"

    /// Applies the binding of ``environmentVariable``, if set, and removes the variable (a grandchild gets its own).
    ///
    /// Called first thing in a spawned child, on its main thread: Linux keeps the memory policy per thread, and only
    /// the threads created afterwards inherit it. A failure here is left for the spawn spec's binding to report.
    package static func applyFromEnvironment() {
        guard let raw = getenv(environmentVariable) else { return }
        let value = String(cString: raw)
        unsetenv(environmentVariable)
        if let spec = BindingSpec(environmentValue: value) { try? apply(spec) }
    }

    /// Applies a spawn spec's binding: its CPUs (none: the CPU mask is left alone) and its memory node.
    package static func apply(_ spec: BindingSpec) throws(TractorError) {
        try apply(cpus: spec.cpus.isEmpty ? nil : spec.cpus.map { Int($0) }, memoryNode: spec.memoryNode.map(Int.init))
    }

    /// Binds memory to `memoryNode` (first), then every thread of the process to `cpus`.
    ///
    /// The memory policy is the calling thread's and that of the threads it creates afterwards (Linux keeps it per
    /// thread). The CPU mask is set on every thread listed in `/proc/self/task`, list after list until one brings
    /// no new thread; threads created later inherit it. Arguments are checked before anything is bound.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` for an empty CPU list, a CPU number out of range, CPUs none of
    ///   which may be used, or a node that does not exist or is not allowed; `.systemCallFailed` otherwise.
    package static func apply(cpus: [Int]?, memoryNode: Int?) throws(TractorError) {
        if let cpus {
            guard !cpus.isEmpty else {
                throw TractorError(
                    .invalidArgument, "cannot bind a process to an empty CPU set; pass nil to leave it unbound"
                )
            }
            if let cpu = cpus.first(where: { $0 < 0 || $0 >= cpuLimit }) {
                throw TractorError(
                    .invalidArgument, "cannot bind to CPU \(cpu): CPU numbers run from 0 to \(cpuLimit - 1)"
                )
            }
        }
        if let memoryNode {
            try bindMemory(toNode: memoryNode)
        }
        if let cpus {
            try setAffinityOfAllThreads(cpus)
        }
    }

    /// The calling thread's CPU mask and memory policy.
    package static func current() throws(TractorError) -> BindingReadback {
        let cpus = try affinity(ofThread: 0)
        guard numaIsAvailable else {
            return BindingReadback(cpus: cpus, memoryPolicyMode: CInt(CTRACTOR_MPOL_DEFAULT), memoryNodes: [])
        }
        switch sys_get_mempolicy() {
        case .success(let (mode, nodes)):
            // The mode may carry flags such as MPOL_F_NUMA_BALANCING above its low bits.
            return BindingReadback(cpus: cpus, memoryPolicyMode: mode & 0xff, memoryNodes: members(of: nodes))
        case .failure(let error):
            throw TractorError(.systemCallFailed, "could not read the memory policy: get_mempolicy failed: \(error)",
                               cause: error)
        }
    }

    /// The CPUs thread `tid` may run on (0: the calling thread; the process id: the main thread).
    package static func affinity(ofThread tid: pid_t) throws(TractorError) -> [Int] {
        switch sys_sched_getaffinity(tid) {
        case .success(let words): return members(of: words)
        case .failure(let error):
            throw TractorError(.systemCallFailed, "could not read the CPU affinity of thread \(tid): \(error)",
                               cause: error)
        }
    }

    private static func bindMemory(toNode node: Int) throws(TractorError) {
        guard node >= 0 else {
            throw TractorError(.invalidArgument, "NUMA node \(node) does not exist: node numbers start at 0")
        }
        guard numaIsAvailable else {
            // The whole memory is node 0: there is nothing to bind.
            if node == 0 { return }
            throw TractorError(
                .invalidArgument,
                "NUMA node \(node) does not exist: this host has no NUMA support, so all its memory is node 0"
            )
        }
        guard node < 1 << 16 else {
            throw TractorError(.invalidArgument, "NUMA node \(node) is above the highest possible node")
        }
        switch sys_set_mempolicy(mode: CInt(CTRACTOR_MPOL_BIND), nodes: mask(of: [node])) {
        case .success:
            return
        case .failure(let error) where error.rawValue == EINVAL:
            let allowed = statusField("Mems_allowed_list") ?? "unknown"
            throw TractorError(
                .invalidArgument,
                "cannot bind memory to NUMA node \(node): this process may use only nodes \(allowed)",
                cause: error
            )
        case .failure(let error):
            throw TractorError(
                .systemCallFailed, "cannot bind memory to NUMA node \(node): set_mempolicy failed: \(error)", cause: error
            )
        }
    }

    private static func setAffinityOfAllThreads(_ cpus: [Int]) throws(TractorError) {
        let words = mask(of: cpus)
        // An array, not a set: a process has a handful of threads here, and the first `Set<pid_t>` of a process
        // costs its start a scan of every conformance record (to find `Hashable` for the set's storage type).
        var done: [pid_t] = []
        while true {
            let threads: [pid_t]
            switch sys_list_directory("/proc/self/task") {
            case .success(let names): threads = names.compactMap { pid_t($0) }.filter { !done.contains($0) }
            case .failure(let error):
                throw TractorError(.systemCallFailed, "cannot list the threads of the process: \(error)", cause: error)
            }
            if threads.isEmpty { return }
            for thread in threads {
                // A thread that exits during the pass (ESRCH) needs no mask.
                if case .failure(let error) = sys_sched_setaffinity(thread, words), error.rawValue != ESRCH {
                    throw affinityFailure(error, cpus: cpus)
                }
                done.append(thread)
            }
        }
    }

    private static func affinityFailure(_ error: Errno, cpus: [Int]) -> TractorError {
        let list = cpus.map(String.init).joined(separator: ",")
        if error.rawValue == EINVAL {
            return TractorError(
                .invalidArgument,
                "cannot bind to CPUs \(list): none of them is online and allowed by this process's cgroup cpuset",
                cause: error
            )
        }
        return TractorError(.systemCallFailed, "cannot bind the process to CPUs \(list): \(error)", cause: error)
    }

    /// A kernel bit mask holding `members`.
    package static func mask(of members: [Int]) -> [UInt] {
        var words = [UInt](repeating: 0, count: ((members.max() ?? 0) / 1024 + 1) * (1024 / UInt.bitWidth))
        for member in members { words[member / UInt.bitWidth] |= 1 << UInt(member % UInt.bitWidth) }
        return words
    }

    /// The members of a kernel bit mask, in increasing order.
    package static func members(of words: [UInt]) -> [Int] {
        var members: [Int] = []
        for (index, word) in words.enumerated() where word != 0 {
            for bit in 0..<UInt.bitWidth where word & (1 << UInt(bit)) != 0 {
                members.append(index * UInt.bitWidth + bit)
            }
        }
        return members
    }

    /// The value of one `Name:` line of `/proc/self/status`.
    private static func statusField(_ name: String) -> String? {
        guard case .success(let status) = sys_read_text_file("/proc/self/status") else { return nil }
        let prefix = name + ":"
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return String(line.dropFirst(prefix.count).filter { $0 != " " && $0 != "\t" })
    }
}

extension BindingSpec {
    /// The binding as ``ProcessBinder/environmentVariable`` carries it: `cpus=0,1;node=0` (either part may be
    /// empty).
    package var environmentValue: String {
        "cpus=" + cpus.map(String.init).joined(separator: ",") + ";node=" + (memoryNode.map(String.init) ?? "")
    }

    /// Parses ``environmentValue``; `nil` for anything else.
    package init?(environmentValue: String) {
        let parts = environmentValue.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].hasPrefix("cpus="), parts[1].hasPrefix("node=") else { return nil }
        let cpuList = parts[0].dropFirst(5)
        let cpus = cpuList.isEmpty ? [] : cpuList.split(separator: ",").map { UInt32($0) }
        let node = parts[1].dropFirst(5)
        guard !cpus.contains(nil) else { return nil }
        let memoryNode = node.isEmpty ? nil : Int32(node)
        guard node.isEmpty || memoryNode != nil else { return nil }
        self.init(cpus: cpus.map { $0! }, memoryNode: memoryNode)
    }
}

/// A process's binding as it reads back: the answer of the `tractor.binding` job every actor serves.
package struct BindingReadback: Sendable, Hashable, Codable {
    /// The CPUs the calling thread may run on.
    package var cpus: [Int]
    /// The memory policy mode (`MPOL_DEFAULT` 0, `MPOL_BIND` 2, …).
    package var memoryPolicyMode: Int32
    /// The nodes of the memory policy.
    package var memoryNodes: [Int]

    package init(cpus: [Int], memoryPolicyMode: Int32, memoryNodes: [Int]) {
        self.cpus = cpus
        self.memoryPolicyMode = memoryPolicyMode
        self.memoryNodes = memoryNodes
    }

    // Coded as an array of its three fields rather than as a keyed map: the first keyed container of each `CodingKeys`
    // type costs the Swift runtime a scan of every conformance record of the program, and every worker sends this
    // value once as it starts.

    package init(from decoder: any Decoder) throws {
        var fields = try decoder.unkeyedContainer()
        cpus = try fields.decode([Int].self)
        memoryPolicyMode = try fields.decode(Int32.self)
        memoryNodes = try fields.decode([Int].self)
    }

    package func encode(to encoder: any Encoder) throws {
        var fields = encoder.unkeyedContainer()
        try fields.encode(cpus)
        try fields.encode(memoryPolicyMode)
        try fields.encode(memoryNodes)
    }

    /// The job, served by every actor, that reads the binding of the thread serving it (whose CPU mask is the
    /// process's once the binding has been applied).
    package static let job = Job("tractor.binding") { () -> BindingReadback in
        try ProcessBinder.current()
    }
}
#endif
