//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

extension IOLoop {
    /// Runs `work` on the loop thread once `delay` has passed (give or take the timer's resolution, microseconds).
    package func execute(after delay: Duration, _ work: @escaping @Sendable () -> Void) {
        schedule(after: delay, work)
    }

    /// Runs `work` on the loop thread once `delay` has passed, as ``execute(after:_:)`` does, and returns an id that
    /// ``cancelScheduled(_:)`` takes; `nil` where the loop could not start, and `work` then ran at once.
    @discardableResult
    package func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> UInt64? {
        guard startupError == nil else {
            work()
            return nil
        }
        let deadline = sys_monotonic_nanoseconds() &+ UInt64(max(0, delay.nanosecondsClamped))
        return queue.withLock { queue in
            queue.lastTimerID &+= 1
            let id = queue.lastTimerID
            queue.timers.append((deadline, id, work))
            if let armed = queue.armedDeadline, armed <= deadline { return id }
            queue.armedDeadline = deadline
            arm(for: deadline)
            return id
        }
    }

    /// How many timers wait for a deadline later than `delay` from now.
    package func scheduledCount(dueAfter delay: Duration) -> Int {
        let horizon = sys_monotonic_nanoseconds() &+ UInt64(max(0, delay.nanosecondsClamped))
        return queue.withLock { queue in queue.timers.count { $0.deadline > horizon } }
    }

    /// Drops the work scheduled as `id`, unless it has run or is running.
    package func cancelScheduled(_ id: UInt64) {
        queue.withLock { queue in queue.timers.removeAll { $0.id == id } }
    }

    /// Suspends the calling task until `delay` has passed on the loop's timer, or until the task is cancelled.
    ///
    /// The runtime's handshakes time out with it rather than with `Task.sleep`: the loop's timer is already armed for
    /// the process's other deadlines, and the first `Task.sleep` of a process costs the global executor's timer and a
    /// scan of every conformance record of the program (the Swift runtime checks the executor's `SchedulingExecutor`
    /// conformance), which every worker's start would pay. Where the loop could not start, it sleeps with `Task.sleep`.
    ///
    /// - Throws: `CancellationError` if the task is cancelled first.
    package func sleep(for delay: Duration) async throws {
        guard startupError == nil else { return try await Task.sleep(for: delay) }
        let wait = LoopSleep(loop: self)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                guard wait.start(continuation) else { return }
                wait.setTimer(schedule(after: delay) { wait.finish(cancelled: false) })
            }
        } onCancel: {
            wait.finish(cancelled: true)
        }
    }
}

/// One ``IOLoop/sleep(for:)``: its continuation, resumed once, by the timer or by the task's cancellation, whichever
/// comes first.
private final class LoopSleep: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        /// Resumed, or cancelled before it could suspend.
        var done = false
        var timer: UInt64?
    }

    private let loop: IOLoop
    private let state = Mutex(State())

    init(loop: IOLoop) {
        self.loop = loop
    }

    /// Keeps `continuation` to resume; `false` (and `continuation` resumed with `CancellationError`) if the task was
    /// cancelled already.
    func start(_ continuation: CheckedContinuation<Void, any Error>) -> Bool {
        let cancelled = state.withLock { state in
            if state.done { return true }
            state.continuation = continuation
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    /// Records the timer that will resume the sleep, or drops it if the sleep has ended meanwhile.
    func setTimer(_ id: UInt64?) {
        guard let id else { return }
        let ended = state.withLock { state in
            if state.done { return true }
            state.timer = id
            return false
        }
        if ended { loop.cancelScheduled(id) }
    }

    /// Ends the sleep: normally when its timer fires, with `CancellationError` when its task is cancelled.
    func finish(cancelled: Bool) {
        let (continuation, timer) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, UInt64?) in
            if state.done { return (nil, nil) }
            state.done = true
            defer {
                state.continuation = nil
                state.timer = nil
            }
            return (state.continuation, state.timer)
        }
        if cancelled, let timer { loop.cancelScheduled(timer) }
        if cancelled {
            continuation?.resume(throwing: CancellationError())
        } else {
            continuation?.resume()
        }
    }
}
