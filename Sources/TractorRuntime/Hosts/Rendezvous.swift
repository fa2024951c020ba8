//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// Values published by key, and the tasks waiting for a key to be published.
///
/// A wait ends with the value, with `.timedOut`, with `CancellationError` when its task is cancelled, or with
/// `.scopeClosed` once the rendezvous is closed.
final class Rendezvous<Value: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Value, any Error>
    }

    private struct State: ~Copyable {
        var values: [String: Value] = [:]
        var waiters: [String: [Waiter]] = [:]
        var nextID: UInt64 = 0
        var closedReason: String?
        /// Tasks waiting until at least `count` values are published.
        var countWaiters: [(id: UInt64, count: Int, continuation: CheckedContinuation<Void, any Error>)] = []

        mutating func takeCountWaiters() -> [CheckedContinuation<Void, any Error>] {
            let ready = countWaiters.filter { $0.count <= values.count }
            countWaiters.removeAll { $0.count <= values.count }
            return ready.map(\.continuation)
        }
    }

    private let state = Mutex(State())

    /// Every value published and not removed, by key.
    var values: [String: Value] { state.withLock { $0.values } }

    /// The value published under `key`, if any.
    func value(for key: String) -> Value? { state.withLock { $0.values[key] } }

    /// Publishes `value` under `key` (replacing any) and hands it to every task waiting for it.
    func publish(_ value: Value, for key: String) {
        let waiters = state.withLock { state -> [Waiter] in
            state.values[key] = value
            return state.waiters.removeValue(forKey: key) ?? []
        }
        for waiter in waiters { waiter.continuation.resume(returning: value) }
        for waiter in state.withLock({ $0.takeCountWaiters() }) { waiter.resume() }
    }

    /// Publishes a value under the first of `keys` that is free (no value, or one that `isTaken` says is not), and
    /// hands it to every task waiting for that key; checking and publishing are one step, so that two callers never
    /// get the same key.
    ///
    /// - Returns: The key published under, or `nil` when none was free.
    func publish(
        underFirstFreeOf keys: [String],
        isTaken: (Value) -> Bool,
        _ make: (String) -> Value
    ) -> (key: String, value: Value)? {
        let published = state.withLock { state -> (key: String, value: Value, waiters: [Waiter])? in
            guard let key = keys.first(where: { key in state.values[key].map { !isTaken($0) } ?? true }) else {
                return nil
            }
            let value = make(key)
            state.values[key] = value
            return (key, value, state.waiters.removeValue(forKey: key) ?? [])
        }
        guard let published else { return nil }
        for waiter in published.waiters { waiter.continuation.resume(returning: published.value) }
        for waiter in state.withLock({ $0.takeCountWaiters() }) { waiter.resume() }
        return (published.key, published.value)
    }

    /// Removes the value published under `key`, if it is `matching` it.
    func remove(_ key: String, if matching: (Value) -> Bool = { _ in true }) {
        state.withLock { state in
            if let value = state.values[key], matching(value) { state.values[key] = nil }
        }
    }

    /// Waits until a value is published under `key`.
    ///
    /// - Throws: ``TractorError`` `.timedOut` after `timeout` (the message says what was awaited), `.scopeClosed`
    ///   once closed; `CancellationError`.
    func wait(for key: String, timeout: Duration, what: String) async throws -> Value {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        do {
            return try await withTimeout(timeout) { [self] in
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        enqueue(Waiter(id: id, continuation: continuation), for: key)
                    }
                } onCancel: { [self] in
                    let waiter = state.withLock { state -> Waiter? in
                        guard let index = state.waiters[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.waiters[key]?.remove(at: index)
                    }
                    waiter?.continuation.resume(throwing: CancellationError())
                }
            }
        } catch let error as TractorError where error.code == .timedOut {
            throw TractorError(.timedOut, "gave up waiting for \(what) after \(timeout)")
        }
    }

    private func enqueue(_ waiter: Waiter, for key: String) {
        let outcome = state.withLock { state -> Result<Value, TractorError>? in
            if let reason = state.closedReason { return .failure(TractorError(.scopeClosed, reason)) }
            if let value = state.values[key] { return .success(value) }
            if Task.isCancelled { return .failure(TractorError(.cancelled, "cancelled")) }
            state.waiters[key, default: []].append(waiter)
            return nil
        }
        switch outcome {
        case .success(let value): waiter.continuation.resume(returning: value)
        case .failure(let error) where error.code == .cancelled: waiter.continuation.resume(throwing: CancellationError())
        case .failure(let error): waiter.continuation.resume(throwing: error)
        case nil: break
        }
    }

    /// Fails every waiter, now and later, with `.scopeClosed` and `reason`.
    func close(reason: String) {
        let waiters = state.withLock { state -> [Waiter] in
            state.closedReason = reason
            defer { state.waiters.removeAll() }
            return state.waiters.values.flatMap { $0 }
        }
        for waiter in waiters { waiter.continuation.resume(throwing: TractorError(.scopeClosed, reason)) }
        let counting = state.withLock { state in
            defer { state.countWaiters.removeAll() }
            return state.countWaiters.map(\.continuation)
        }
        for waiter in counting { waiter.resume(throwing: TractorError(.scopeClosed, reason)) }
    }

    /// Waits until at least `count` values are published at once; ends as ``wait(for:timeout:what:)`` does.
    func wait(count: Int, timeout: Duration, what: String) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        do {
            try await withTimeout(timeout) { [self] in
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation {
                        (continuation: CheckedContinuation<Void, any Error>) in
                        let refusal = state.withLock { state -> (any Error)? in
                            if let reason = state.closedReason { return TractorError(.scopeClosed, reason) }
                            if Task.isCancelled { return CancellationError() }
                            state.countWaiters.append((id, count, continuation))
                            return nil
                        }
                        if let refusal { continuation.resume(throwing: refusal) }
                        for waiter in state.withLock({ $0.takeCountWaiters() }) { waiter.resume() }
                    }
                } onCancel: { [self] in
                    let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                        guard let index = state.countWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.countWaiters.remove(at: index).continuation
                    }
                    waiter?.resume(throwing: CancellationError())
                }
            }
        } catch let error as TractorError where error.code == .timedOut {
            throw TractorError(.timedOut, "gave up waiting for \(what) after \(timeout)")
        }
    }
}
