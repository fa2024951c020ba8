//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Dispatch
import Glibc

/// How a run under ``withInterruptCancellation(_:)`` ended.
enum InterruptOutcome<Value: Sendable>: Sendable {
    /// The body returned.
    case finished(Value)
    /// A SIGINT (Ctrl-C) arrived; the body was cancelled and has returned or thrown since.
    case interrupted
}

/// Runs `body` in a child task that a SIGINT cancels: Ctrl-C becomes ordinary structured cancellation.
///
/// The signal's default action (end the process at once) is replaced for the duration by a dispatch signal source,
/// so the process lives on while the body unwinds: a pool opened inside it cancels its jobs in the workers, stops
/// its workers and reaps them before this function returns `.interrupted`. A second Ctrl-C while the body unwinds is
/// ignored; the teardown is bounded anyway (cancel, then SIGTERM, then SIGKILL).
///
/// ```swift
/// switch try await withInterruptCancellation({ try await countPrimes() }) {
/// case .finished(let count): print(count)
/// case .interrupted: throw ExitCode(130)
/// }
/// ```
///
/// - Parameter body: The work; it runs in a child task, so it must be `Sendable`.
/// - Returns: `.finished` with the body's value, or `.interrupted` once the cancelled body has ended.
/// - Throws: The body's error, unless a SIGINT arrived first (the error of a cancelled body is the interruption's).
func withInterruptCancellation<Value: Sendable>(
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> InterruptOutcome<Value> {
    let (interrupts, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    // Ignore the signal first, so that the default action cannot end the process; the source still sees it.
    let previous = signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    source.setEventHandler { continuation.yield() }
    source.resume()
    defer {
        source.cancel()
        continuation.finish()
        signal(SIGINT, previous)
    }

    let outcome = await withTaskGroup(
        of: InterruptEvent<Value>.self,
        returning: Result<InterruptOutcome<Value>, any Error>.self
    ) { group in
        group.addTask {
            do {
                return .body(.success(try await body()))
            } catch {
                return .body(.failure(error))
            }
        }
        group.addTask {
            var iterator = interrupts.makeAsyncIterator()
            // `nil` means the stream finished or this task was cancelled: the body ended first.
            return await iterator.next() == nil ? .body(.failure(CancellationError())) : .interrupt
        }
        let first = await group.next()!
        switch first {
        case .body(let result):
            group.cancelAll()
            return result.map { .finished($0) }
        case .interrupt:
            // Cancel the body and wait until it has ended: the pool's workers are reaped by then.
            group.cancelAll()
            while await group.next() != nil {}
            return .success(.interrupted)
        }
    }
    return try outcome.get()
}

/// What ends first under ``withInterruptCancellation(_:)``.
private enum InterruptEvent<Value: Sendable>: Sendable {
    case body(Result<Value, any Error>)
    case interrupt
}
