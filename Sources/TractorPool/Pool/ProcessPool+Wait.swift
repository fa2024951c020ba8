//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

extension ProcessPool {
    /// Waits until some futures complete: the first of them, the first to fail, or all (`concurrent.futures.wait`).
    ///
    /// ```swift
    /// let outcome = await pool.wait(futures, until: .firstFailure, timeout: .seconds(10))
    /// for future in outcome.pending { future.cancel() }
    /// ```
    ///
    /// - Parameters:
    ///   - futures: The futures to watch.
    ///   - condition: When to return. Default ``WaitCondition/allCompleted``.
    ///   - timeout: The longest wait; `nil`, the default, for no limit.
    /// - Returns: The futures that have completed and those that have not, each in the order given, when the
    ///   condition holds, the timeout passes, or the waiting task is cancelled.
    public func wait<Output>(
        _ futures: [JobFuture<Output>],
        until condition: WaitCondition = .allCompleted,
        timeout: Duration? = nil
    ) async -> FutureWaitResult<Output> {
        let futures = Self.distinct(futures)
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let wakeUp = WakeUp()
        for future in futures { future.onCompletion { _ in wakeUp.signal() } }
        while !condition.holds(for: futures), !Task.isCancelled {
            if let deadline, ContinuousClock.now >= deadline { break }
            await wakeUp.wait(until: deadline)
        }
        return FutureWaitResult(done: futures.filter(\.isDone), pending: futures.filter { !$0.isDone })
    }

    /// The futures, one by one as each completes (`concurrent.futures.as_completed`).
    ///
    /// ```swift
    /// for try await future in pool.completions(of: futures) {
    ///     print(try await future.value)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - futures: The futures to watch.
    ///   - timeout: How long, from this call, until all have completed; past it, the iteration throws
    ///     ``TractorError`` `.timedOut`. `nil`, the default, for no limit.
    /// - Returns: An asynchronous sequence of the futures in completion order; it throws `CancellationError` when the
    ///   iterating task is cancelled.
    public func completions<Output>(
        of futures: [JobFuture<Output>],
        timeout: Duration? = nil
    ) -> some AsyncSequence<JobFuture<Output>, any Error> {
        FutureCompletions(futures: Self.distinct(futures), timeout: timeout, deadline: timeout.map { .now + $0 })
    }

    /// `futures` without repeats (a future given twice is one future), in the order first given.
    static func distinct<Output>(_ futures: [JobFuture<Output>]) -> [JobFuture<Output>] {
        var seen = Set<ObjectIdentifier>()
        return futures.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }
}

/// When ``ProcessPool/wait(_:until:timeout:)`` returns.
///
/// A struct with static members rather than an enum, so that new conditions are not a breaking change.
///
/// ```swift
/// let outcome = await pool.wait(futures, until: .firstCompleted)
/// ```
public struct WaitCondition: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: String, Sendable, Hashable { case firstCompleted, firstFailure, allCompleted }
    private let storage: Storage
    private init(_ storage: Storage) { self.storage = storage }

    /// When any future completes (`FIRST_COMPLETED`).
    public static var firstCompleted: Self { .init(.firstCompleted) }
    /// When any future fails (a cancelled one has not failed), or else when all complete (`FIRST_EXCEPTION`).
    public static var firstFailure: Self { .init(.firstFailure) }
    /// When every future completes (`ALL_COMPLETED`).
    public static var allCompleted: Self { .init(.allCompleted) }

    /// `firstCompleted`, `firstFailure` or `allCompleted`.
    public var description: String { storage.rawValue }

    func holds<Output>(for futures: [JobFuture<Output>]) -> Bool {
        switch storage {
        case .firstCompleted: futures.isEmpty || futures.contains { $0.isDone }
        case .firstFailure: futures.contains { $0.state == .failed } || futures.allSatisfy(\.isDone)
        case .allCompleted: futures.allSatisfy(\.isDone)
        }
    }
}

/// What ``ProcessPool/wait(_:until:timeout:)`` found.
///
/// ```swift
/// let result = await pool.wait(futures, until: .firstCompleted)
/// print(result.done.count, "done,", result.pending.count, "pending")
/// ```
public struct FutureWaitResult<Output: Sendable>: Sendable {
    /// The futures that have completed, in the order given.
    public var done: [JobFuture<Output>]
    /// The futures that have not, in the order given.
    public var pending: [JobFuture<Output>]
}

/// The futures of ``ProcessPool/completions(of:timeout:)``, in completion order.
struct FutureCompletions<Output: Sendable>: AsyncSequence {
    typealias Element = JobFuture<Output>
    typealias Failure = any Error

    let futures: [JobFuture<Output>]
    let timeout: Duration?
    let deadline: ContinuousClock.Instant?

    func makeAsyncIterator() -> Iterator {
        let queue = CompletionQueue<Output>(count: futures.count)
        for future in futures { future.onCompletion { _ in queue.push(future) } }
        return Iterator(queue: queue, timeout: timeout, deadline: deadline)
    }

    struct Iterator: AsyncIteratorProtocol {
        let queue: CompletionQueue<Output>
        let timeout: Duration?
        let deadline: ContinuousClock.Instant?

        mutating func next() async throws -> JobFuture<Output>? {
            while true {
                switch queue.pop() {
                case .future(let future): return future
                case .exhausted: return nil
                case .empty: break
                }
                try Task.checkCancellation()
                if let deadline, ContinuousClock.now >= deadline {
                    throw TractorError(.timedOut, "not every future completed within \(timeout ?? .zero)")
                }
                await queue.wakeUp.wait(until: deadline)
            }
        }
    }
}

/// Completed futures waiting to be handed out by ``FutureCompletions``.
final class CompletionQueue<Output: Sendable>: Sendable {
    let wakeUp = WakeUp()
    private let state: Mutex<(ready: [JobFuture<Output>], remaining: Int)>

    init(count: Int) {
        state = Mutex(([], count))
    }

    enum Pop { case future(JobFuture<Output>), empty, exhausted }

    func push(_ future: JobFuture<Output>) {
        state.withLock { $0.ready.append(future) }
        wakeUp.signal()
    }

    func pop() -> Pop {
        state.withLock { state in
            if !state.ready.isEmpty {
                state.remaining -= 1
                return .future(state.ready.removeFirst())
            }
            return state.remaining == 0 ? .exhausted : .empty
        }
    }
}
