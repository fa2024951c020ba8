//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

@testable import TractorPool

extension PoolDispatcherStateMachine where Waiter == SlotID {
    /// Decides what a slot does next and, when it must wait, parks the slot's own id as its waiter: the actions that
    /// resume it then name it.
    mutating func nextChunk(for slot: SlotID, of worker: WorkerRef, now: Instant) -> (SlotDecision, [Action]) {
        nextChunk(for: slot, of: worker, now: now, parking: slot)
    }
}
