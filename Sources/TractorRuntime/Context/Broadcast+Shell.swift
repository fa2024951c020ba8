//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// The shell around one broadcast's ``BroadcastStateMachine``: the pump (a task reading the stream) and the receivers
/// make transitions under one lock and resume what they hand back outside it.
final class Broadcast<Element: Sendable>: Sendable {
    typealias Machine = BroadcastStateMachine<
        Element, UnsafeContinuation<BroadcastNext<Element>, Never>, UnsafeContinuation<Void, Never>
    >

    private let state: Mutex<Machine>

    private init(receivers: Int, policy: BroadcastPolicy) {
        state = Mutex(Machine(receivers: receivers, policy: policy))
    }

    /// Runs `body` with `count` receivers of `base`, which a child task reads meanwhile.
    static func run<Base: AsyncSequence & Sendable, Result: Sendable>(
        _ base: Base,
        to count: Int,
        policy: BroadcastPolicy,
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([BroadcastReceiver<Element>]) async throws -> Result
    ) async throws -> Result where Base.Element == Element {
        guard count >= 1 else {
            throw TractorError(.invalidArgument, "a broadcast needs at least 1 receiver, not \(count)")
        }
        guard policy.buffer >= 1 else {
            throw TractorError(.invalidArgument, "a broadcast's buffer must hold at least 1 element, not \(policy.buffer)")
        }
        let broadcast = Broadcast(receivers: count, policy: policy)
        let receivers = (0..<count).map { BroadcastReceiver(broadcast: broadcast, index: $0) }
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await broadcast.pump(base) }
            let result: Result
            do {
                result = try await body(receivers)
            } catch {
                group.cancelAll()
                while (try? await group.next()) != nil {}
                throw error
            }
            // The stream's error reaches the caller even when `body` did not look at it; stopping it now is not one.
            let failure = broadcast.state.withLock { $0.failure }
            group.cancelAll()
            while (try? await group.next()) != nil {}
            if let failure { throw failure }
            return result
        }
    }

    /// Reads `base` until it ends, fails, every receiver is detached or the task is cancelled, handing each element
    /// to the receivers.
    private func pump<Base: AsyncSequence & Sendable>(_ base: Base) async throws where Base.Element == Element {
        var iterator = base.makeAsyncIterator()
        do {
            while true {
                await waitForRoom()
                if Task.isCancelled || state.withLock({ $0.allDetached }) { break }
                guard let element = try await iterator.next() else { break }
                for (receiver, next) in state.withLock({ $0.received(element) }) { receiver.resume(returning: next) }
            }
            finish(Task.isCancelled ? CancellationError() : nil)
        } catch {
            finish(error)
        }
    }

    private func finish(_ error: (any Error)?) {
        for (receiver, next) in state.withLock({ $0.finished(error) }) { receiver.resume(returning: next) }
    }

    /// Returns once every receiver has room for the next element (at once under the lagging policy), or the task
    /// is cancelled.
    private func waitForRoom() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let parked = state.withLock { Task.isCancelled ? false : $0.pumpWaits(continuation) }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.takePump() }?.resume()
        }
    }

    /// Receiver `index`'s next element.
    func next(_ index: Int) async throws -> Element? {
        let (ready, pump) = state.withLock { $0.next(index) }
        pump?.resume()
        if let ready { return try ready.unwrapped() }
        let answer = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<BroadcastNext<Element>, Never>) in
                let (now, pump) = state.withLock { machine -> (BroadcastNext<Element>?, UnsafeContinuation<Void, Never>?) in
                    let (ready, pump) = machine.next(index)
                    if let ready { return (ready, pump) }
                    if Task.isCancelled { return (.end(CancellationError()), pump) }
                    return (nil, machine.park(index, continuation))
                }
                pump?.resume()
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { $0.cancelled(index) }?.resume(returning: .end(CancellationError()))
        }
        return try answer.unwrapped()
    }

    /// Stops receiver `index`.
    func detach(_ index: Int) {
        let (receiver, pump) = state.withLock { $0.detach(index) }
        receiver?.resume(returning: .end(nil))
        pump?.resume()
    }
}

/// What a receiver gets next: an element, a count of elements lost to lag, or the end (with the stream's error).
enum BroadcastNext<Element: Sendable>: Sendable {
    case element(Element)
    case missed(Int)
    case end((any Error)?)

    func unwrapped() throws -> Element? {
        switch self {
        case .element(let element): return element
        case .missed(let count): throw BroadcastLagged(missed: count)
        case .end(nil): return nil
        case .end(let error?): throw error
        }
    }
}
