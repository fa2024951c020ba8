//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ServiceLifecycle
import Synchronization

/// The shell around ``ServiceScopeStateMachine``, shared by ``PoolService`` and ``NurseryService``: one lock over
/// the machine and its waiters; the run of the scope, handing its handle out; the tasks that wait for it; and the
/// graceful-shutdown handlers of the service and of the tasks using the handle.
final class ServiceScope<Handle: Sendable>: Sendable {
    typealias Machine = ServiceScopeStateMachine<Handle>

    private let state: Mutex<Machine>

    /// A scope for the service called `name` in its errors ("pool service").
    init(name: String) {
        state = Mutex(Machine(name: name))
    }

    /// `run()` begins.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when the service has run already.
    func begin() throws(TractorError) {
        let (started, name) = state.withLock { ($0.start(), $0.name) }
        guard started else {
            throw TractorError(.invalidArgument, "a \(name) runs once: make a new one to open another")
        }
    }

    /// The scope is open: hands `handle` out to the tasks waiting for it, then runs `body` with the service's
    /// graceful-shutdown handler until it returns.
    func serve(_ handle: Handle, _ body: () async -> Void) async {
        for waiter in state.withLock({ $0.opened(handle) }) { waiter.resume(returning: .success(handle)) }
        await withGracefulShutdownHandler {
            await body()
        } onGracefulShutdown: {
            self.gracefulShutdownReached(service: true)
        }
    }

    /// `run()` has ended, with `error` if its scope threw: the tasks waiting for the handle get that error, or the
    /// scope's `.scopeClosed` error.
    ///
    /// - Throws: `error`, unless it is the cancellation of the task (the group's cancellation is how a service is
    ///   asked to stop at once, not a failure).
    func end(_ error: (any Error)?) throws {
        let failure = error ?? state.withLock { $0.stopped }
        for waiter in state.withLock({ $0.ended(error) }) { waiter.resume(returning: .failure(failure)) }
        guard let error else { return }
        if error is CancellationError, Task.isCancelled { return }
        throw error
    }

    /// Runs `body` with the handle, once the scope is open; graceful shutdown reaching the task that runs it marks
    /// the shutdown begun.
    func withHandle<Value: Sendable>(
        isolation: isolated (any Actor)?,
        _ body: (Handle) async throws -> Value
    ) async throws -> Value {
        let handle = try await waitForHandle()
        return try await withGracefulShutdownHandler(isolation: isolation) {
            try await body(handle)
        } onGracefulShutdown: {
            self.gracefulShutdownReached(service: false)
        }
    }

    private func gracefulShutdownReached(service: Bool) {
        for waiter in state.withLock({ $0.gracefulShutdownReached(service: service) }) { waiter.resume() }
    }

    /// Returns once graceful shutdown has reached `moment`, or the task is cancelled.
    func wait(for moment: Machine.Moment) async {
        let id = state.withLock { $0[waiters: moment].makeID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    if state.hasReached(moment) {
                        _ = state[waiters: moment].cancel(id)
                        return false
                    }
                    return state[waiters: moment].add(continuation, id: id)
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0[waiters: moment].cancel(id) }?.resume()
        }
    }

    /// The handle, once the scope is open.
    private func waitForHandle() async throws -> Handle {
        switch state.withLock({ $0.lease() }) {
        case .use(let handle): return handle
        case .fail(let error): throw error
        case .wait: break
        }
        typealias Lease = Result<Handle, any Error>
        let id = state.withLock { $0.waiters.makeID() }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Lease, Never>) in
                let now = state.withLock { state -> Lease? in
                    switch state.lease() {
                    case .use(let handle):
                        _ = state.waiters.cancel(id)
                        return .success(handle)
                    case .fail(let error):
                        _ = state.waiters.cancel(id)
                        return .failure(error)
                    case .wait:
                        return state.waiters.add(continuation, id: id) ? nil : .failure(CancellationError())
                    }
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.waiters.cancel(id) }?.resume(returning: .failure(CancellationError()))
        }
        return try result.get()
    }
}
