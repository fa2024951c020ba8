//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Runs `operation`, giving up after `timeout` with a `.timedOut` error.
///
/// Giving up cancels `operation`, which runs as a task of its own, and calls `onTimeout`, which must make it finish
/// where it waits on something that does not observe task cancellation (a continuation resumed from the I/O thread:
/// close the channel it reads, say).
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

/// Runs `operation` in the calling task, and calls `expire` on the I/O loop's thread if it has not ended within
/// `timeout`; then throws `.timedOut`. For the handshakes of a start, whose wait (a channel's next message, a child's
/// connection) `expire` ends by closing or abandoning what it waits on.
///
/// Unlike ``withTimeout(_:_:onTimeout:)``, which runs `operation` and a sleep as two tasks of a group (made, run and
/// joined on every call, each waking a cooperative thread) and cancels `operation` when the time is up, no task is made
/// here and `operation` is not cancelled: `expire` alone must end it. `expire` is also called, once, when the calling
/// task is cancelled (which then throws `CancellationError`) or `operation` throws.
package func withExpiry<T: Sendable>(
    _ timeout: Duration,
    _ operation: @escaping @Sendable () async throws -> T,
    expire: @escaping @Sendable () -> Void
) async throws -> T {
    let loop = IOLoop.shared
    guard loop.startupError == nil else { return try await withTimeout(timeout, operation, onTimeout: expire) }
    let race = ExpiryRace()
    let timer = loop.schedule(after: timeout) {
        if race.end(.expired) { expire() }
    }
    defer { if let timer { loop.cancelScheduled(timer) } }
    let outcome: Result<T, any Error>
    do {
        outcome = .success(
            try await withTaskCancellationHandler {
                try await operation()
            } onCancel: {
                if race.end(.cancelled) { expire() }
            }
        )
    } catch {
        outcome = .failure(error)
    }
    // Whichever ended the race first decides; `expire` has run once by the end unless the operation returned in time.
    let ending = race.end(.finished) ? ExpiryRace.Ending.finished : race.ending
    switch (outcome, ending) {
    case (_, .expired):
        throw TractorError(.timedOut, "no answer within \(timeout)")
    case (_, .cancelled):
        throw CancellationError()
    case (.success(let value), _):
        return value
    case (.failure(let error), _):
        expire()
        throw error
    }
}

/// The first of an operation's end, its timer's expiry and its task's cancellation.
private final class ExpiryRace: Sendable {
    enum Ending: UInt8 {
        case running, finished, expired, cancelled
    }

    private let state = Atomic<UInt8>(Ending.running.rawValue)

    /// Ends the race as `ending` unless it has ended; returns whether this call ended it.
    func end(_ ending: Ending) -> Bool {
        state.compareExchange(expected: Ending.running.rawValue, desired: ending.rawValue, ordering: .acquiringAndReleasing)
            .exchanged
    }

    /// How the race ended.
    var ending: Ending { Ending(rawValue: state.load(ordering: .acquiring)) ?? .running }
}
