//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import Glibc
import TractorRuntime

// Binding and reading a binding back are the runtime's (`ProcessBinder`), so that every spawned worker binds itself
// the same way whatever program it runs; these are the conversions to this module's value types.

extension ProcessBinding {
    /// Binds memory to `memoryNode`, then every thread of the process to `cpus`.
    static func bind(cpus: CPUSet?, memoryNode: Int?) throws(TractorError) {
        try ProcessBinder.apply(cpus: cpus.map { Array($0) }, memoryNode: memoryNode)
    }

    /// The calling thread's CPU mask and memory policy.
    static func readCallingThread() throws(TractorError) -> ProcessBinding {
        ProcessBinding(try ProcessBinder.current())
    }

    /// The CPU mask of the process's main thread, whose id is the process id: the mask `taskset` set, or the one
    /// inherited from the parent.
    static func mainThreadAffinity() throws(TractorError) -> CPUSet {
        CPUSet(try ProcessBinder.affinity(ofThread: getpid()))
    }

    /// The text of `/proc/PID/status`.
    static func readProcessStatus(_ pid: Int32) throws(TractorError) -> String {
        switch sys_read_text_file("/proc/\(pid)/status") {
        case .success(let text): return text
        case .failure(let error):
            throw TractorError(.systemCallFailed, "could not read the status of process \(pid): \(error)", cause: error)
        }
    }

    /// A binding as it read back in some process (this one, or a worker answering `tractor.binding`).
    init(_ readback: BindingReadback) {
        self.init(
            cpus: CPUSet(readback.cpus),
            memoryPolicy: MemoryPolicy(mode: readback.memoryPolicyMode),
            memoryNodes: readback.memoryPolicyMode == 0 ? [] : readback.memoryNodes
        )
    }
}
#endif
