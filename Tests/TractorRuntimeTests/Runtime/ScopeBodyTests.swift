//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// A nursery's body goes on on the I/O thread that read the answer it awaited, with the loop left to another
    /// thread meanwhile: these attack what that must not break.
    @Suite(.timeLimit(.minutes(3)))
    struct ScopeBodyTests {
        static let loopThread = ServedJobTestJobs.loopThread
        static var threadName: String { ServedJobTestJobs.currentThreadName }

        @Test func aBodyGoesOnOnTheThreadThatReadItsAnswer() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("answering")
                    var names: [String] = []
                    for _ in 0..<200 {
                        // A job of a few milliseconds: its answer comes after the caller has parked, polling or not.
                        #expect(try await actor.run(TestJobs.sleep, 2) == 2)
                        names.append(Self.threadName)
                    }
                    // On a loaded machine a loop thread can be taken over while the body runs on it, and after a
                    // take-over that looks like a long job's, the loop leaves its next 64 resumptions to the pool
                    // (beside two CPU burners, 7 of 100 once). Without the preference, none is on a loop thread.
                    let onLoop = names.count { $0 == Self.loopThread }
                    #expect(onLoop >= 5, "threads: \(Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +))")
                }
            }
        }

        @Test func aBodyThatComputesWithoutSuspendingHoldsUpNoAnswer() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("answering")
                    // Onto a loop thread first: the body is resumed there by an answer.
                    var onLoop = false
                    for _ in 0..<100 where !onLoop {
                        #expect(try await actor.run(TestJobs.sleep, 2) == 2)
                        onLoop = Self.threadName == Self.loopThread
                    }
                    #expect(onLoop, "the body never went on on a loop thread")
                    // Now a call from a child task, whose answer this process must read while the body computes on
                    // the thread that led the loop, without ever suspending.
                    let answered = Flag()
                    async let call: String = {
                        let answer = try await actor.run(TestJobs.echo, "while computing")
                        answered.value.store(true, ordering: .releasing)
                        return answer
                    }()
                    let deadline = ContinuousClock.now + .seconds(60)
                    var rounds: UInt64 = 1
                    while !answered.value.load(ordering: .acquiring), ContinuousClock.now < deadline {
                        for step in 0..<1_000 { rounds = rounds &* 6_364_136_223_846_793_005 &+ UInt64(step) }
                    }
                    let heard = answered.value.load(ordering: .acquiring)
                    #expect(heard, "no answer was read while the body computed")
                    #expect(try await call == "while computing")
                }
            }
        }

        /// An actor that dies unasked cancels the body at once, even one computing on the thread that led the loop:
        /// the death must be heard meanwhile.
        @Test func aBodyComputingOnTheLoopThreadIsCancelledWhenAnActorDies() async throws {
            let heard = Flag()
            let reachedLoop = Flag()
            try await ProcessTree.checkingLeaks {
                await #expect(throws: TractorError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let doomed = try await nursery.startActor("doomed")
                        for _ in 0..<100 where !reachedLoop.value.load(ordering: .relaxed) {
                            _ = try await doomed.run(TestJobs.sleep, 2)
                            if Self.threadName == Self.loopThread { reachedLoop.value.store(true, ordering: .relaxed) }
                        }
                        // It sends itself SIGKILL while the body computes without suspending.
                        async let crash = doomed.run(TestJobs.crash, "kill")
                        let deadline = ContinuousClock.now + .seconds(60)
                        var rounds: UInt64 = 1
                        while !Task.isCancelled, ContinuousClock.now < deadline {
                            for step in 0..<1_000 { rounds = rounds &* 6_364_136_223_846_793_005 &+ UInt64(step) }
                        }
                        heard.value.store(Task.isCancelled, ordering: .relaxed)
                        _ = try await crash
                    }
                }
            }
            let onLoop = reachedLoop.value.load(ordering: .relaxed)
            #expect(onLoop, "the body never went on on a loop thread")
            let cancelled = heard.value.load(ordering: .relaxed)
            #expect(cancelled, "the body computed to its deadline: the actor's death was not heard")
        }

        @Test func aBodyThatPrefersTheCooperativePoolRunsThere() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("answering")
                    let names = try await withTaskExecutorPreference(globalConcurrentExecutor) {
                        () async throws -> [String] in
                        var names: [String] = []
                        for _ in 0..<20 {
                            let slept = try await actor.run(TestJobs.sleep, 2)
                            #expect(slept == 2)
                            names.append(Self.threadName)
                        }
                        return names
                    }
                    #expect(!names.contains(Self.loopThread), "threads: \(names)")
                }
            }
        }
        /// A flag set by one task and read by another.
        final class Flag: Sendable {
            let value = Atomic<Bool>(false)
        }
    }
}
