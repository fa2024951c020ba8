//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Runs `operation`, giving up after `timeout` with a `.timedOut` error.
///
/// `operation` may wait on something that does not observe task cancellation (a continuation resumed from the I/O
/// thread), so giving up calls `onTimeout`, which must make `operation` finish (close the channel it reads, say).
/// `onTimeout` is also called when the calling task is cancelled.
package func withTimeout<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T,
    onTimeout: @escaping @Sendable () -> Void = {}
) async throws -> T {
    try await withThrowingTaskGroup(of: TimeoutOutcome<T>.self) { group in
        group.addTask { .value(try await operation()) }
        group.addTask {
            try await Task.sleep(for: timeout)
            return .expired
        }
        defer { group.cancelAll() }
        do {
            switch try await group.next() {
            case .value(let value):
                return value
            case .expired, nil:
                onTimeout()
                throw TractorError(.timedOut, "no answer within \(timeout)")
            }
        } catch {
            onTimeout()
            throw error
        }
    }
}

private enum TimeoutOutcome<T: Sendable>: Sendable {
    case value(T)
    case expired
}
