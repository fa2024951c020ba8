//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Suspended tasks waiting for a value, kept inside the state of a lock-owning shell, with the bookkeeping that makes
/// cancellation race-free.
///
/// A waiter takes an id first (``makeID()``), then, inside `withCheckedContinuation`, adds its continuation under the
/// lock (``add(_:id:)``); its cancellation handler calls ``cancel(_:)`` under the lock. Whichever comes first, the
/// continuation is resumed exactly once: a cancellation that arrives before the continuation is added makes
/// ``add(_:id:)`` refuse it, and the caller resumes it at once.
struct WaiterList<Value: Sendable> {
    private var nextID = 0
    /// Ids handed out whose continuation has not been added yet.
    private var issued: Set<Int> = []
    /// Ids cancelled before their continuation was added.
    private var cancelledEarly: Set<Int> = []
    private var waiting: [Int: CheckedContinuation<Value, Never>] = [:]

    var isEmpty: Bool { waiting.isEmpty }

    mutating func makeID() -> Int {
        defer { nextID += 1 }
        issued.insert(nextID)
        return nextID
    }

    /// Adds a waiter; `false` if it was cancelled already (resume it at once, outside the lock).
    mutating func add(_ continuation: CheckedContinuation<Value, Never>, id: Int) -> Bool {
        issued.remove(id)
        if cancelledEarly.remove(id) != nil { return false }
        waiting[id] = continuation
        return true
    }

    /// Takes the waiter out, for its cancellation handler to resume; `nil` if it has not been added yet (then
    /// ``add(_:id:)`` will refuse it) or was resumed already.
    mutating func cancel(_ id: Int) -> CheckedContinuation<Value, Never>? {
        if let continuation = waiting.removeValue(forKey: id) { return continuation }
        if issued.remove(id) != nil { cancelledEarly.insert(id) }
        return nil
    }

    /// Takes one waiter out, to resume it.
    mutating func remove(_ id: Int) -> CheckedContinuation<Value, Never>? {
        waiting.removeValue(forKey: id)
    }

    /// Takes every waiter out, to resume them.
    mutating func removeAll() -> [CheckedContinuation<Value, Never>] {
        defer { waiting.removeAll() }
        return Array(waiting.values)
    }
}
