//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorRuntime

/// The I/O loop's timed sleep, `withTimeout` on it, and `withExpiry` on the loop's timer, with which the handshakes of
/// a start time out.
///
/// The sleeps that only a cancellation may end last an hour: no other timer of the process is due that late, so the
/// count of those left after the cancellations is these tests' own.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LoopSleepTests {
    @Test func aSleepEndsAfterItsDelay() async throws {
        let start = ContinuousClock.now
        try await IOLoop.shared.sleep(for: .milliseconds(20))
        #expect(ContinuousClock.now - start >= .milliseconds(20))
        try await IOLoop.shared.sleep(for: .zero)
    }

    @Test func aCancelledSleepThrowsAtOnceAndLeavesNoTimerBehind() async throws {
        // An hour: only the cancellation can end it within the time limit.
        let sleeper = Task { try await IOLoop.shared.sleep(for: .seconds(3_600)) }
        while IOLoop.shared.scheduledCount(dueAfter: .seconds(1_800)) == 0 { await Task.yield() }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        // Cancelled before it started.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await IOLoop.shared.sleep(for: .seconds(3_600))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(IOLoop.shared.scheduledCount(dueAfter: .seconds(1_800)) == 0)
    }

    @Test func manySleepsCancelledAtRandomEachEndOnce() async throws {
        var generator = SystemRandomNumberGenerator()
        try await withThrowingTaskGroup(of: (Bool, Bool).self) { group in
            var sleepers: [Task<Bool, Never>] = []
            var cancelled: [Bool] = []
            for _ in 0..<200 {
                let long = Bool.random(using: &generator)
                let sleeper = Task { () -> Bool in
                    do {
                        try await IOLoop.shared.sleep(for: long ? .seconds(3_600) : .milliseconds(Int.random(in: 0...5)))
                        return true
                    } catch {
                        return false
                    }
                }
                sleepers.append(sleeper)
                // Every long one is cancelled, so that all end; some short ones too, before or after they end.
                let cancel = long || Bool.random(using: &generator)
                cancelled.append(cancel)
                if cancel {
                    if Bool.random(using: &generator) { await Task.yield() }
                    sleeper.cancel()
                }
            }
            for (index, sleeper) in sleepers.enumerated() {
                let (wasCancelled, completed) = (cancelled[index], await sleeper.value)
                group.addTask { (wasCancelled, completed) }
            }
            for try await (wasCancelled, completed) in group {
                // A sleep not cancelled always completes; a cancelled one may have completed first.
                #expect(wasCancelled || completed)
            }
        }
        #expect(IOLoop.shared.scheduledCount(dueAfter: .seconds(1_800)) == 0)
    }

    /// How many times a closure was called.
    private final class Calls: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Runs, under `withTimeout(timeout)`, an operation that ends only when `onTimeout` makes it, counting the calls
    /// of `onTimeout` in `gaveUp`.
    private static func waitForStuckOperation(for timeout: Duration, counting gaveUp: Calls) async throws -> Int {
        let stuck = AsyncStream<Int>.makeStream()
        return try await withTimeout(timeout) {
            for await value in stuck.stream { return value }
            throw CancellationError()
        } onTimeout: {
            gaveUp.count.add(1, ordering: .relaxed)
            stuck.continuation.finish()
        }
    }

    @Test func withTimeoutReturnsTheValueOrGivesUpSayingSo() async throws {
        let gaveUp = Calls()
        let value = try await withTimeout(.seconds(60)) { 42 } onTimeout: { gaveUp.count.add(1, ordering: .relaxed) }
        #expect(value == 42)
        #expect(gaveUp.count.load(ordering: .relaxed) == 0)

        await #expect {
            try await Self.waitForStuckOperation(for: .milliseconds(20), counting: gaveUp)
        } throws: { error in
            (error as? TractorError)?.code == .timedOut
        }
        #expect(gaveUp.count.load(ordering: .relaxed) == 1)
    }

    @Test func withTimeoutPassesTheOperationsErrorAndTheCallersCancellation() async throws {
        struct Refused: Error {}
        let gaveUp = Calls()
        await #expect(throws: Refused.self) {
            try await withTimeout(.seconds(60)) { () -> Int in throw Refused() } onTimeout: {
                gaveUp.count.add(1, ordering: .relaxed)
            }
        }
        #expect(gaveUp.count.load(ordering: .relaxed) == 1)

        let caller = Task { try await Self.waitForStuckOperation(for: .seconds(3_600), counting: gaveUp) }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(gaveUp.count.load(ordering: .relaxed) == 2)
    }

    @Test func withExpiryRunsTheOperationInTheCallersTaskAndLeavesNoTimerBehind() async throws {
        let caller = withUnsafeCurrentTask { $0?.hashValue }
        let inside = try await withExpiry(.seconds(3_600)) { withUnsafeCurrentTask { $0?.hashValue } } expire: {}
        #expect(caller != nil && inside == caller, "the operation ran in another task")
        #expect(IOLoop.shared.scheduledCount(dueAfter: .seconds(1_800)) == 0)
    }

    /// Many at once, each ending one of four ways at a random moment: its value in time, its own error, its caller's
    /// cancellation, or its timer. `expire` runs exactly once for every one that did not return its value, never for
    /// one that did, and no timer is left.
    @Test func manyExpiriesEndingEveryWayCallExpireOnceEach() async throws {
        let gaveUp = Calls()
        var expectedCalls = 0
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                let way = index % 4
                if way != 0 { expectedCalls += 1 }
                let delay = Duration.microseconds(Int.random(in: 0...2_000))
                let caller = Task { () -> Bool in
                    let stuck = AsyncStream<Int>.makeStream()
                    do {
                        let value = try await withExpiry(way == 3 ? delay : .seconds(3_600)) { () -> Int in
                            switch way {
                            case 0: return index
                            case 1: throw CancellationError()
                            default:
                                for await value in stuck.stream { return value }
                                throw CancellationError()
                            }
                        } expire: {
                            gaveUp.count.add(1, ordering: .relaxed)
                            stuck.continuation.finish()
                        }
                        return way == 0 && value == index
                    } catch let error as TractorError {
                        return way == 3 && error.code == .timedOut
                    } catch {
                        return way == 1 || way == 2
                    }
                }
                if way == 2 {
                    group.addTask {
                        try await Task.sleep(for: delay)
                        caller.cancel()
                        return await caller.value
                    }
                } else {
                    group.addTask { await caller.value }
                }
            }
            for try await endedAsExpected in group { #expect(endedAsExpected) }
        }
        #expect(gaveUp.count.load(ordering: .relaxed) == expectedCalls)
        #expect(IOLoop.shared.scheduledCount(dueAfter: .seconds(1_800)) == 0)
    }
}
