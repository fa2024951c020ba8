//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The pool's two background loops, each a child task of the pool's scope: the timer, which fires the machine's
// deadlines, and the resolver, which resolves futures from large outputs off the I/O thread.

extension PoolDispatcher {
    /// Fires the machine's deadlines (job timeouts, cancellation grace periods) until the task is cancelled.
    ///
    /// It waits until the earliest deadline, on an alarm of the I/O loop; a change of deadlines
    /// (``PoolDispatcherStateMachine/Action/wakeTimer``) cuts the wait short, and it looks again.
    func runTimer() async {
        while !Task.isCancelled {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wait = state.withLock { state -> (UInt64, ContinuousClock.Instant?)? in
                        if state.timerWakePending || Task.isCancelled {
                            state.timerWakePending = false
                            return nil
                        }
                        state.timerWait += 1
                        state.timerWaiter = continuation
                        return (state.timerWait, state.machine.nextDeadline)
                    }
                    guard let (wait, deadline) = wait else {
                        continuation.resume()
                        return
                    }
                    if let deadline {
                        // Weakly: an alarm outliving the pool (a long timeout) does not keep it.
                        IOLoop.shared.execute(after: deadline - .now) { [weak self] in self?.alarm(wait) }
                    }
                }
            } onCancel: {
                let waiter = state.withLock { state in
                    defer { state.timerWaiter = nil }
                    return state.timerWaiter
                }
                waiter?.resume()
            }
            if Task.isCancelled { return }
            transition { state in ((), state.machine.deadlinesPassed(now: .now)) }
        }
    }

    /// The alarm of the timer's wait number `wait`: ends that wait, if the timer still waits in it.
    private func alarm(_ wait: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.timerWait == wait else { return nil }
            defer { state.timerWaiter = nil }
            return state.timerWaiter
        }
        waiter?.resume()
    }

    /// Runs `resolve` (which resolves futures from a large output) on the resolver, so that the I/O thread goes on
    /// meanwhile; the pool counts as finished only once it has run.
    func resolveLater(_ resolve: @escaping @Sendable () -> Void) {
        let resolver = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pendingResolutions += 1
            state.resolutions.append(resolve)
            defer { state.resolverWaiter = nil }
            return state.resolverWaiter
        }
        resolver?.resume()
    }

    /// Runs the resolutions handed to ``resolveLater(_:)`` until the pool's scope has ended and none is left: every
    /// one handed over runs, whatever happens to the task.
    func runResolutions() async {
        while true {
            let (batch, closed) = state.withLock { state in
                defer { state.resolutions.removeAll() }
                return (state.resolutions, state.closed)
            }
            for resolve in batch { resolve() }
            if !batch.isEmpty { resolved(batch.count) }
            if batch.isEmpty, closed { return }
            guard batch.isEmpty else { continue }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { state -> Bool in
                    guard state.resolutions.isEmpty, !state.closed else { return false }
                    state.resolverWaiter = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        }
    }
}
