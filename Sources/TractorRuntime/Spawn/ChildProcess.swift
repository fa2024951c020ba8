//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc
import Synchronization

/// A child process: its pid, and a pidfd watched by the ``IOLoop`` so that its exit is seen at once and it is reaped.
package final class ChildProcess: IOHandler {
    package let pid: pid_t
    private let pidFD: CInt
    private let loop: IOLoop
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var status: TerminationStatus?
        var waiters: [Int: CheckedContinuation<TerminationStatus?, Never>] = [:]
        var nextWaiter = 0
        var onExit: [@Sendable (TerminationStatus) -> Void] = []
    }

    /// Starts watching `pid` through `pidFD` (which this object now owns).
    package init(pid: pid_t, pidFD: CInt, loop: IOLoop = .shared) {
        self.pid = pid
        self.pidFD = pidFD
        self.loop = loop
    }

    /// Registers the pidfd with the loop. Call on the loop thread, right after spawning.
    package func startWatching() throws(TractorError) {
        try loop.register(pidFD, events: EPOLLIN.rawValue, handler: self)
    }

    /// The exit status, once the process has exited and been reaped.
    package var status: TerminationStatus? { state.withLock { $0.status } }

    /// Calls `handler` on the loop thread when the process exits (at once if it already has).
    package func onExit(_ handler: @escaping @Sendable (TerminationStatus) -> Void) {
        let status = state.withLock { state -> TerminationStatus? in
            if state.status == nil { state.onExit.append(handler) }
            return state.status
        }
        if let status { handler(status) }
    }

    /// Waits until the process has exited and been reaped, whatever happens to the calling task: for the paths that
    /// must never return while a child is left unreaped, even when their task is cancelled.
    @discardableResult
    package func waitUntilReaped() async -> TerminationStatus {
        await withCheckedContinuation { continuation in
            onExit { status in continuation.resume(returning: status) }
        }
    }

    /// Sends `signal` unless the process has already been reaped (so a recycled pid is never signalled).
    package func signal(_ signal: CInt) {
        state.withLock { state in
            if state.status == nil { sys_kill(pid, signal) }
        }
    }

    /// Waits for the process to exit, at most `timeout`; `nil` if it is still running then.
    package func waitForExit(timeout: Duration?) async -> TerminationStatus? {
        await withTaskGroup(of: TerminationStatus?.self) { group in
            group.addTask { await self.waitForExit() }
            if let timeout {
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? status
        }
    }

    /// Waits for the process to exit; `nil` if the waiting task is cancelled first.
    private func waitForExit() async -> TerminationStatus? {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TerminationStatus?, Never>) in
                let ready = state.withLock { state -> TerminationStatus?? in
                    if let status = state.status { return .some(status) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    package func handleEvents(_ events: UInt32) {
        do {
            // A readable pidfd means the process has exited; reap it.
            if let raw = try sys_waitpid_nohang(pid) { finish(TerminationStatus(waitStatus: raw)) }
        } catch {
            // Someone else reaped it (a foreign SIGCHLD handler or waitpid(-1)): it is gone all the same.
            finish(TerminationStatus(.exited(-1)))
        }
    }

    private func finish(_ status: TerminationStatus) {
        let (waiters, handlers) = state.withLock { state in
            state.status = status
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            let handlers = state.onExit
            state.onExit.removeAll()
            return (waiters, handlers)
        }
        loop.closeAndForget(pidFD)
        for waiter in waiters { waiter.resume(returning: status) }
        for handler in handlers { handler(status) }
    }
}
