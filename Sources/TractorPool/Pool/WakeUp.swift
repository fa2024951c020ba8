//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Wakes one waiting task: a level-triggered signal for loops that re-check their own condition after each wake-up.
///
/// ```swift
/// while !condition() {
///     if Task.isCancelled { throw CancellationError() }
///     await wakeUp.wait(until: deadline)
/// }
/// ```
///
/// A signal with nobody waiting is kept for the next wait, so none is lost; a wake-up may therefore be spurious.
final class WakeUp: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    init() {}

    /// Wakes the waiting task, or the next one to wait.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled, when `deadline` passes, or (unless `ignoringCancellation`) when the task is cancelled.
    nonisolated(nonsending) func wait(
        until deadline: ContinuousClock.Instant? = nil,
        ignoringCancellation: Bool = false
    ) async {
        guard let deadline else {
            await waitForSignal(ignoringCancellation: ignoringCancellation)
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                if !Task.isCancelled { self.signal() }
            }
            await waitForSignal(ignoringCancellation: ignoringCancellation)
            group.cancelAll()
        }
    }

    private nonisolated(nonsending) func waitForSignal(ignoringCancellation: Bool) async {
        if ignoringCancellation {
            await suspend()
        } else {
            await withTaskCancellationHandler {
                await suspend()
            } onCancel: {
                signal()
            }
        }
    }

    private nonisolated(nonsending) func suspend() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                precondition(state.waiter == nil, "one task waits on a WakeUp at a time")
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
