//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Lets one leak-checked test at a time run in this process, first come first served.
///
/// A leak check counts what the whole test process holds (sockets, pidfds, children), so two such tests of different
/// suites running at once would count each other's. Suites run in parallel; the runtime's and the pool's spawning
/// suites each run their tests one at a time, and this lock keeps the two apart. A waiter whose task is cancelled
/// stops waiting.
actor ProcessCheckLock {
    private static let shared = ProcessCheckLock()

    private var held = false
    private var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextID = 0

    /// Runs `body` while holding the lock (in the caller's isolation, not the lock's).
    static func withLock<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async rethrows -> T {
        let acquired = await shared.acquire()
        do {
            let result = try await body()
            if acquired { await shared.release() }
            return result
        } catch {
            if acquired { await shared.release() }
            throw error
        }
    }

    /// Waits for the lock; `false` if the task was cancelled while waiting (it then runs without the lock, as the
    /// test is ending anyway, and does not take the lock from its holder).
    private func acquire() async -> Bool {
        guard held else {
            held = true
            return true
        }
        let id = nextID
        nextID += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in waiters.append((id, continuation)) }
        } onCancel: {
            Task { await self.withdraw(id) }
        }
    }

    private func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().continuation.resume(returning: true)
        }
    }

    private func withdraw(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }
}
