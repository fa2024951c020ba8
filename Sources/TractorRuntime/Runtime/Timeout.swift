//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Runs `operation`, giving up after `timeout` with a `.timedOut` error.
///
/// `operation` may wait on something that does not observe task cancellation (a continuation resumed from the I/O
/// thread), so giving up calls `onTimeout`, which must make `operation` finish (close the channel it reads, say).
/// `onTimeout` is also called, once, when the calling task is cancelled or `operation` throws. The time is kept by the
/// I/O loop's timer (``IOLoop/sleep(for:)``).
package func withTimeout<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T,
    onTimeout: @escaping @Sendable () -> Void = {}
) async throws -> T {
    try await withThrowingTaskGroup(of: TimeoutOutcome<T>.self) { group in
        group.addTask { .value(try await operation()) }
        group.addTask {
            try await IOLoop.shared.sleep(for: timeout)
            return .expired
        }
        defer { group.cancelAll() }
        let first: TimeoutOutcome<T>?
        do {
            first = try await group.next()
        } catch {
            onTimeout()
            throw error
        }
        switch first {
        case .value(let value):
            return value
        case .expired, nil:
            onTimeout()
            throw TractorError(.timedOut, "no answer within \(timeout)")
        }
    }
}

private enum TimeoutOutcome<T: Sendable>: Sendable {
    case value(T)
    case expired
}
