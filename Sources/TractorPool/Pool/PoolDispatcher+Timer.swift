//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PoolDispatcher {
    /// Fires the machine's deadlines (job timeouts, cancellation grace periods) until the task is cancelled.
    ///
    /// It sleeps until the earliest deadline; a change of deadlines (``PoolDispatcherStateMachine/Action/wakeTimer``)
    /// cuts the sleep short, and it looks again.
    func runTimer() async {
        while !Task.isCancelled {
            let deadline = state.withLock { $0.machine.nextDeadline } ?? .now + .seconds(3_600)
            let sleep = Task { _ = try? await Task.sleep(until: deadline, clock: .continuous) }
            let woken = state.withLock { state -> Bool in
                if state.timerWakePending {
                    state.timerWakePending = false
                    return true
                }
                state.timerSleep = sleep
                return false
            }
            if woken { sleep.cancel() }
            await withTaskCancellationHandler {
                await sleep.value
            } onCancel: {
                sleep.cancel()
            }
            state.withLock { state in
                if state.timerSleep == sleep { state.timerSleep = nil }
            }
            if Task.isCancelled { return }
            transition { state in ((), state.machine.deadlinesPassed(now: .now)) }
        }
    }
}
