//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A pool worker died while it ran a job. The job's future fails with this error; the pool replaces the worker and
/// goes on.
///
/// Only the jobs the worker had in flight fail; jobs waiting in the queue, and jobs on other workers, are not
/// touched.
///
/// ```swift
/// do {
///     _ = try await pool.submit(render, scene).value
/// } catch let crash as WorkerCrashed {
///     print(crash.job, crash.pid, crash.status)   // "render" 4242 killed by signal 11 (SIGSEGV)
///     if crash.signal == SIGKILL { print("killed, perhaps by the OOM killer") }
/// }
/// ```
public struct WorkerCrashed: Error, Sendable, CustomStringConvertible {
    /// The worker's index in the pool (its placement slot; a replacement keeps it).
    public var workerID: Int
    /// The process id of the worker that died.
    public var pid: Int32
    /// How the process ended: the signal that killed it, or its exit code.
    public var status: TerminationStatus
    /// The name of the job it was running.
    public var job: String
    /// For a `map`, the index in the map's input of the first input the crash failed (the one the iteration reached);
    /// otherwise `nil`.
    public var inputIndex: Int?
    /// The joined host the worker ran on, or `nil` for this machine. The head learns no exit status across hosts: a
    /// worker there that ended unasked (its process died, or its host was lost) has ``status`` "killed by SIGKILL".
    public var host: String?

    /// Creates the error.
    ///
    /// - Parameters:
    ///   - workerID: The worker's index in the pool.
    ///   - pid: Its process id.
    ///   - status: How it ended.
    ///   - job: The job it was running.
    public init(workerID: Int, pid: Int32, status: TerminationStatus, job: String) {
        self.workerID = workerID
        self.pid = pid
        self.status = status
        self.job = job
    }

    /// The signal that killed the worker, such as `SIGKILL`, or `nil` if it exited.
    public var signal: Int32? {
        if case .signaled(let signal) = status.kind { return signal }
        return nil
    }

    /// The worker's exit code, or `nil` if a signal killed it.
    public var exitCode: Int32? {
        if case .exited(let code) = status.kind { return code }
        return nil
    }

    /// What happened, such as `worker 0 (pid 4242) was killed by signal 9 (SIGKILL) while running job 'render'`,
    /// with the input for a `map`.
    public var message: String {
        let how =
            switch status.kind {
            case .signaled: "was \(status)"
            case .exited: status.description
            }
        let input = inputIndex.map { " (input \($0))" } ?? ""
        if let host {
            return "worker \(workerID) (pid \(pid) on host '\(host)') was lost while running job '\(job)'\(input): its "
                + "process or its host ended; the pool starts it again when the host is there"
        }
        return "worker \(workerID) (pid \(pid)) \(how) while running job '\(job)'\(input); the pool replaced the worker"
    }

    /// `WorkerCrashed: ` followed by ``message``.
    public var description: String { "WorkerCrashed: \(message)" }
}
