//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import Glibc

extension ProcessBinding {
    /// Sets the CPU mask of every thread of the process.
    ///
    /// Threads are listed from `/proc/self/task`; the list is read again after each pass, and threads that appeared
    /// meanwhile are set too, until a pass finds none. A thread created after the last pass was created by a thread
    /// already set, and inherits its mask. A thread that exits during a pass (`ESRCH`) is skipped.
    static func setAffinityOfAllThreads(_ cpus: CPUSet) throws(TractorError) {
        var done: Set<pid_t> = []
        while true {
            let threads: [pid_t]
            switch sysListDirectory("/proc/self/task") {
            case .success(let names): threads = names.compactMap { pid_t($0) }.filter { !done.contains($0) }
            case .failure(let failure): throw bindingFailure(failure, cpus: cpus)
            }
            if threads.isEmpty {
                return
            }
            for thread in threads {
                if case .failure(let failure) = sysSchedSetaffinity(thread, cpus), failure.code != ESRCH {
                    throw bindingFailure(failure, cpus: cpus)
                }
                done.insert(thread)
            }
        }
    }

    /// The CPU mask of the calling thread.
    static func callingThreadAffinity() throws(TractorError) -> CPUSet {
        try sysSchedGetaffinity(0).get(orThrow: "read the calling thread's CPU affinity")
    }

    /// The CPU mask of the process's main thread, whose id is the process id: the mask `taskset` set, or the one
    /// inherited from the parent.
    static func mainThreadAffinity() throws(TractorError) -> CPUSet {
        try sysSchedGetaffinity(getpid()).get(orThrow: "read the process's CPU affinity")
    }

    /// The text of `/proc/PID/status`.
    static func readProcessStatus(_ pid: Int32) throws(TractorError) -> String {
        try sysReadTextFile("/proc/\(pid)/status").get(orThrow: "read the status of process \(pid)")
    }

    private static func bindingFailure(_ failure: SystemErrno, cpus: CPUSet) -> TractorError {
        if failure.code == EINVAL {
            return TractorError(
                .invalidArgument,
                "cannot bind to CPUs \(cpus): none of them is online and allowed by this process's cgroup cpuset",
                cause: failure
            )
        }
        return TractorError(.systemCallFailed, "cannot bind the process to CPUs \(cpus)", cause: failure)
    }
}

extension Result where Failure == SystemErrno {
    /// The success value, or a ``TractorError`` with code `.systemCallFailed` saying what could not be done.
    func get(orThrow what: String) throws(TractorError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let failure): throw TractorError(.systemCallFailed, "could not \(what)", cause: failure)
        }
    }
}
#endif
