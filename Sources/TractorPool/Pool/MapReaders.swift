//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The tasks that read the `AsyncSequence` inputs of a pool's maps, and those that feed the handlers of progress
/// reporters, so that none outlives the pool's scope.
///
/// A reader belongs to its map's iterator, which cancels it when the map ends or the iterator is dropped, and awaits
/// it when the map ends (a dropped iterator cannot); a progress handler's task ends after the final snapshot, and a
/// map awaits it too. Each also belongs to the pool's scope, which, when its body returns, refuses new tasks,
/// cancels the ones still running, and awaits them before it shuts the pool down.
final class MapReaders: Sendable {
    private struct State {
        var running: [Int: Task<Void, Never>] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())

    init() {}

    /// Whether the pool's scope has ended: no task starts any more.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Starts a reader; `nil` once the pool's scope has ended.
    func start(_ body: @escaping @Sendable () async -> Void) -> Task<Void, Never>? {
        state.withLock { state -> Task<Void, Never>? in
            guard !state.closed else { return nil }
            let id = state.nextID
            state.nextID += 1
            // Registered before it can end: its removal takes the same lock.
            let task = Task {
                await body()
                self.state.withLock { _ = $0.running.removeValue(forKey: id) }
            }
            state.running[id] = task
            return task
        }
    }

    /// Refuses new readers, cancels the running ones, and returns once they have ended.
    func close() async {
        let running = state.withLock { state -> [Task<Void, Never>] in
            state.closed = true
            return Array(state.running.values)
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}
