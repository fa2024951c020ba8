//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The eventual output of a job submitted to a pool: `ProcessPoolExecutor`'s `Future`.
///
/// Await ``value`` for the output, or ask with a time limit with ``result(timeout:)``; look at ``state`` without
/// waiting; ``cancel()`` the job (a job that has started is cancelled in its worker); or have a callback run when it
/// completes with ``onCompletion(_:)``.
///
/// ```swift
/// let future = try await pool.submit(countPrimes, 1...10_000_000)
/// future.onCompletion { result in print("done:", result) }
/// print(try await future.value)
/// ```
///
/// A future outlives its pool's scope, holding its result; leaving the scope completes every future first.
public final class JobFuture<Output: Sendable>: Sendable {
    /// The name of the job.
    public let jobName: String
    private let canceller: Canceller
    /// How the job's declared error type is decoded, if it declares one.
    let errors: ErrorCoding?
    private let storage = Mutex(State())
    /// Set once the future has completed, for a waiter polling for that (see ``value``).
    private let completed = Atomic<Bool>(false)

    /// What cancels the job: its chunk in the pool's dispatcher (with no closure to allocate per job), or a
    /// closure.
    private enum Canceller {
        case chunk(PoolDispatcher, ChunkID)
        case closure(@Sendable () -> Bool)
    }

    private struct State {
        var phase = JobState.pending
        var result: Result<Output, any Error>?
        /// Tasks awaiting ``value``, the first apart so that one waiter fills no array. They stay until the future
        /// completes: cancelling one cancels the job, and it waits on until the job has ended.
        var awaiting: UnsafeContinuation<Void, Never>?
        var moreAwaiting: [UnsafeContinuation<Void, Never>] = []
        /// The callbacks to call on completion, in the order they were added, each with an id that its adder can
        /// take it back by (a waiter that stops waiting does).
        var callbacks: [(id: Int, callback: @Sendable (Result<Output, any Error>) -> Void)] = []
        var nextCallbackID = 0

        /// Adds `callback` unless the future has completed; returns its id, or `nil` if it was not added.
        mutating func add(_ callback: @escaping @Sendable (Result<Output, any Error>) -> Void) -> Int? {
            guard result == nil else { return nil }
            defer { nextCallbackID += 1 }
            callbacks.append((nextCallbackID, callback))
            return nextCallbackID
        }
    }

    init(jobName: String, canceller: @escaping @Sendable () -> Bool) {
        self.jobName = jobName
        self.canceller = .closure(canceller)
        self.errors = nil
    }

    /// The future of chunk `id` of `dispatcher`, whose job's errors decode with `errors`.
    init(jobName: String, errors: ErrorCoding?, chunk id: ChunkID, of dispatcher: PoolDispatcher) {
        self.jobName = jobName
        self.canceller = .chunk(dispatcher, id)
        self.errors = errors
    }

    /// Where the job stands: pending, running, succeeded, failed or cancelled.
    ///
    /// ```swift
    /// if future.state == .running { print("started") }
    /// ```
    public var state: JobState { storage.withLock { $0.phase } }

    /// Whether the job has completed: succeeded, failed or been cancelled.
    public var isDone: Bool { storage.withLock { $0.result != nil } }

    /// The job's output, once it has completed.
    ///
    /// Cancelling the task that waits cancels the job (see ``cancel()``) and waits for it to end.
    ///
    /// ```swift
    /// let primes = try await future.value
    /// ```
    ///
    /// - Throws: The job's error, as its own type when the job declares that type (`Job(_:throwing:_:)`), else as
    ///   ``RemoteActorError``; ``WorkerCrashed`` when its worker died; ``TractorError``
    ///   `.timedOut` when it ran past its timeout; `CancellationError` when it was cancelled; the pool's error when
    ///   the pool broke before the job ran.
    nonisolated(nonsending) public var value: Output {
        get async throws {
            if let result = storage.withLock({ $0.result }) { return try result.get() }
            // A pool's job whose results have come quickly: poll for a few microseconds first, so that the result,
            // when it comes that soon, needs no thread woken to resume this task.
            guard case .chunk(let dispatcher, _) = canceller else { return try await park() }
            let poll = dispatcher.replyPoll
            let budget = poll.allowed
            let began = sys_monotonic_nanoseconds()
            if budget > 0 {
                repeat {
                    if completed.load(ordering: .acquiring), let result = storage.withLock({ $0.result }) {
                        poll.record(elapsed: sys_monotonic_nanoseconds() &- began, polled: budget, caught: true)
                        return try result.get()
                    }
                    ReplyPoll.pause()
                } while sys_monotonic_nanoseconds() &- began < budget && !Task.isCancelled
            }
            defer { poll.record(elapsed: sys_monotonic_nanoseconds() &- began, polled: budget, caught: false) }
            return try await park()
        }
    }

    /// Waits for the future to complete, parked.
    nonisolated(nonsending) private func park() async throws -> Output {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let completed = storage.withLock { state -> Bool in
                    guard state.result == nil else { return true }
                    if state.awaiting == nil {
                        state.awaiting = continuation
                    } else {
                        state.moreAwaiting.append(continuation)
                    }
                    return false
                }
                if completed { continuation.resume() }
            }
        } onCancel: {
            // The job ends cancelled (or as it was ending), and that completes the future, which resumes this task.
            _ = cancel()
        }
        RoundTripTrace.mark(.callerResumed)
        return try storage.withLock { $0.result }!.get()
    }

    /// The job's output, waiting at most `timeout` for it.
    ///
    /// Running out of time does not cancel the job (as in `concurrent.futures`); cancelling the waiting task does.
    ///
    /// ```swift
    /// let primes = try await future.result(timeout: .seconds(5))
    /// ```
    ///
    /// - Parameter timeout: How long to wait; `nil` waits as long as it takes.
    /// - Throws: ``TractorError`` `.timedOut` when the job has not completed in time; otherwise as ``value``.
    nonisolated(nonsending) public func result(timeout: Duration?) async throws -> Output {
        guard let outcome = await outcome(until: timeout.map { .now + $0 }) else {
            throw TractorError(.timedOut, "job '\(jobName)' did not complete within \(timeout!)")
        }
        return try outcome.get()
    }

    /// The result, or `nil` when `deadline` passes first.
    private nonisolated(nonsending) func outcome(
        until deadline: ContinuousClock.Instant?
    ) async -> Result<Output, any Error>? {
        let wakeUp = WakeUp()
        guard let callbackID = storage.withLock({ $0.add { _ in wakeUp.signal() } }) else {
            return storage.withLock { $0.result }
        }
        // Timed out, cancelled or answered: the wake-up is not needed any more, whatever ends the wait.
        defer { storage.withLock { $0.callbacks.removeAll { $0.id == callbackID } } }
        var relayedCancellation = false
        while true {
            if let result = storage.withLock({ $0.result }) { return result }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            if Task.isCancelled, !relayedCancellation {
                relayedCancellation = true
                _ = cancel()
            }
            await wakeUp.wait(until: deadline, ignoringCancellation: relayedCancellation)
        }
    }

    /// Cancels the job: a job still queued never runs; a running job is cancelled in its worker (its task sees
    /// ordinary Swift cancellation), and if it has not stopped within the pool's cancellation grace its worker is
    /// killed and replaced. Either way the future completes with `CancellationError`.
    ///
    /// ```swift
    /// if future.cancel() { print("it will not deliver a result") }
    /// ```
    ///
    /// - Returns: `true` if the job will end cancelled, or already has (cancelling twice answers `true` twice, as
    ///   `concurrent.futures.Future.cancel()` does); `false` if it had already completed otherwise.
    @discardableResult
    public func cancel() -> Bool {
        switch state {
        case .cancelled: return true
        case .succeeded, .failed: return false
        default:
            let cancelling: Bool
            switch canceller {
            case .chunk(let dispatcher, let id): cancelling = dispatcher.cancel(id)
            case .closure(let cancel): cancelling = cancel()
            }
            return cancelling || state == .cancelled
        }
    }

    /// Calls `callback` with the job's result when it completes: at once, on the calling thread, if it already has;
    /// otherwise on the thread that completes it, usually the pool's I/O thread, which reads every worker's replies.
    /// Keep it short and never block in it: hand longer work to a task, or await ``value`` instead.
    ///
    /// ```swift
    /// future.onCompletion { result in
    ///     if case .failure(let error) = result { log.error("job failed: \(error)") }
    /// }
    /// ```
    public func onCompletion(_ callback: @escaping @Sendable (Result<Output, any Error>) -> Void) {
        let result = storage.withLock { state -> Result<Output, any Error>? in
            state.add(callback) == nil ? state.result : nil
        }
        if let result { callback(result) }
    }

    /// How many completion callbacks and waiters wait for the job: those of ``onCompletion(_:)`` and one per task
    /// waiting in ``value`` or ``result(timeout:)``.
    package var completionCallbackCount: Int {
        storage.withLock { $0.callbacks.count + ($0.awaiting == nil ? 0 : 1) + $0.moreAwaiting.count }
    }

    /// The job started running on a worker.
    func markRunning() {
        storage.withLock { state in
            if state.phase == .pending { state.phase = .running }
        }
    }

    /// Completes the future; later calls are ignored.
    func resolve(_ result: Result<Output, any Error>) {
        let completion = storage.withLock { state -> Completion? in
            guard state.result == nil else { return nil }
            state.result = result
            completed.store(true, ordering: .releasing)
            switch result {
            case .success: state.phase = .succeeded
            case .failure(let error): state.phase = error is CancellationError ? .cancelled : .failed
            }
            defer {
                state.callbacks = []
                state.awaiting = nil
                state.moreAwaiting = []
            }
            return Completion(callbacks: state.callbacks, awaiting: state.awaiting, moreAwaiting: state.moreAwaiting)
        }
        guard let completion else { return }
        RoundTripTrace.mark(.futureResolved)
        completion.awaiting?.resume()
        for waiter in completion.moreAwaiting { waiter.resume() }
        for entry in completion.callbacks { entry.callback(result) }
    }

    /// Who to tell once the future completes.
    private struct Completion {
        var callbacks: [(id: Int, callback: @Sendable (Result<Output, any Error>) -> Void)]
        var awaiting: UnsafeContinuation<Void, Never>?
        var moreAwaiting: [UnsafeContinuation<Void, Never>]
    }
}

/// Where a submitted job stands.
///
/// A struct with static members rather than an enum, so that new states are not a breaking change.
///
/// ```swift
/// switch future.state {
/// case .succeeded, .failed, .cancelled: print("done")
/// default: print("not yet")
/// }
/// ```
public struct JobState: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: String, Sendable, Hashable { case pending, running, succeeded, failed, cancelled }
    private let storage: Storage
    private init(_ storage: Storage) { self.storage = storage }

    /// Waiting in the queue for a worker.
    public static var pending: Self { .init(.pending) }
    /// Sent to a worker, and not completed yet.
    public static var running: Self { .init(.running) }
    /// Completed with an output.
    public static var succeeded: Self { .init(.succeeded) }
    /// Completed with an error (the job's, its worker's death, its timeout, or the pool's).
    public static var failed: Self { .init(.failed) }
    /// Cancelled before or while it ran.
    public static var cancelled: Self { .init(.cancelled) }

    /// Whether the job has completed (succeeded, failed or cancelled).
    public var isDone: Bool { storage != .pending && storage != .running }

    /// `pending`, `running`, `succeeded`, `failed` or `cancelled`.
    public var description: String { storage.rawValue }
}

extension JobFuture: ChunkReceiver where Output: Decodable {
    /// Resolves the future with its one-item chunk's result. A large output is decoded on the dispatcher's resolver
    /// task, so that the other workers' replies are not held up meanwhile on the I/O thread.
    func receive(_ result: ChunkResult, from dispatcher: PoolDispatcher) {
        if case .reply(let results) = result, results.outputs.count > ProcessPool.largeOutput {
            dispatcher.resolveLater { self.resolve(decoding: result) }
        } else {
            resolve(decoding: result)
        }
    }

    func chunkStarted() { markRunning() }

    private func resolve(decoding result: ChunkResult) {
        let outputs = ChunkOutputs<Output>(result, count: 1, job: jobName, errors: errors, firstIndex: nil)
        resolve(outputs.result(at: 0))
    }
}
