//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorRuntime
import TractorTestJobs

/// When a caller polls for its answer before it parks: only after an answer that a poll would have caught, only with
/// CPUs to spare, and not for long once polls catch nothing.
@Suite struct ReplyPollPolicyTests {
    /// Whether this test process may use enough CPUs for polling to be turned on.
    static var enoughCPUs: Bool {
        guard case .success(let words) = sys_sched_getaffinity(0) else { return false }
        return words.reduce(0) { $0 + $1.nonzeroBitCount } >= ReplyPoll.minimumCPUs
    }

    @Test func aConnectionStartsWithoutPollingAndAQuickAnswerTurnsPollingOnWhereCPUsAreToSpare() {
        let poll = ReplyPoll(maximum: 50_000)
        #expect(poll.allowed == 0)
        poll.record(elapsed: 3_000_000, polled: 0, caught: false)   // a job of 3 ms: a poll would not have caught it
        #expect(poll.allowed == 0)
        poll.record(elapsed: 30_000, polled: 0, caught: false)      // an answer 30 µs after the request: it would have
        #expect(poll.allowed == (Self.enoughCPUs ? 50_000 : 0))
        poll.record(elapsed: 20_000, polled: 50_000, caught: true)
        #expect(poll.allowed == (Self.enoughCPUs ? 50_000 : 0))
    }

    @Test func pollsThatCatchNothingStopPollingAndItStaysOffLongerEachTime() {
        let poll = ReplyPoll(maximum: 50_000)
        poll.pollFromNowOn(for: 50_000)
        var misses = 0
        while poll.allowed > 0, misses < 10 {
            poll.record(elapsed: 5_000_000, polled: poll.allowed, caught: false)
            misses += 1
        }
        #expect(misses == 4, "50 → 25 → 12.5 → 6.25 → off, below a tenth of the maximum")
        // Busy workers: the answers come late, and polling stays off.
        poll.record(elapsed: 5_000_000, polled: 0, caught: false)
        #expect(poll.allowed == 0)
        // Off after missing: the next quick answer does not turn it on, the one after does (with CPUs to spare).
        poll.record(elapsed: 10_000, polled: 0, caught: false)
        #expect(poll.allowed == 0)
        poll.record(elapsed: 10_000, polled: 0, caught: false)
        #expect(poll.allowed == (Self.enoughCPUs ? 50_000 : 0))
        // Missing again, it waits for two quick answers this time.
        poll.pollFromNowOn(for: 50_000)
        while poll.allowed > 0 { poll.record(elapsed: 5_000_000, polled: poll.allowed, caught: false) }
        for _ in 0..<2 {
            poll.record(elapsed: 10_000, polled: 0, caught: false)
            #expect(poll.allowed == 0)
        }
        poll.record(elapsed: 10_000, polled: 0, caught: false)
        #expect(poll.allowed == (Self.enoughCPUs ? 50_000 : 0))
    }

    @Test func aMaximumOfZeroNeverPolls() {
        let poll = ReplyPoll(maximum: 0)
        poll.record(elapsed: 0, polled: 0, caught: false)
        #expect(poll.allowed == 0)
    }
}

extension SpawningTests {
    /// A caller that polls for its answer gets what a parked one gets: the value, the job's error, its cancellation,
    /// the actor's death. Each test makes the polls long (a second), so that the answer comes during one.
    @Suite(.timeLimit(.minutes(3)))
    struct ReplyPollTests {
        static let longPoll: UInt64 = 1_000_000_000

        @Test func answersThatComeDuringAPollAreTakenWithoutParking() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let portal = try await nursery.startActor("answerer")
                    let connection = portal.connection
                    let before = connection.answersLeft.load(ordering: .relaxed)
                    connection.replyPoll.pollFromNowOn(for: Self.longPoll)
                    for value in 0..<50 {
                        #expect(try await portal.run(TestJobs.squareUnlessNegative, value) == value * value)
                    }
                    // A job of 5 ms: its answer surely comes while the caller polls.
                    #expect(try await portal.run(TestJobs.sleep, 5) == 5)
                    let taken = connection.answersLeft.load(ordering: .relaxed) &- before
                    #expect(taken >= 1, "no answer came while its caller polled")
                    // Batches from a portal poll too.
                    let results = try await portal.run(TestJobs.squareUnlessNegative, batch: [3, -1, 4])
                    #expect(try results[0].get() == 9)
                    #expect(throws: RemoteActorError.self) { try results[1].get() }
                    #expect(try results[2].get() == 16)
                    #expect(connection.jobsInFlight.isEmpty)
                }
            }
        }

        @Test func anErrorThatComesDuringAPollIsThrown() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let portal = try await nursery.startActor("failer")
                    portal.connection.replyPoll.pollFromNowOn(for: Self.longPoll)
                    let error = await #expect(throws: RemoteActorError.self) {
                        try await portal.run(TestJobs.squareUnlessNegative, -3)
                    }
                    #expect(error?.message == "-3 is negative")
                    // The connection serves on.
                    #expect(try await portal.run(TestJobs.squareUnlessNegative, 7) == 49)
                }
            }
        }

        @Test func aCancellationDuringAPollEndsTheCallCancelled() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let portal = try await nursery.startActor("sleeper")
                    // Polls of 20 s: a poll that did not end with the cancellation's answer would outlast the check.
                    portal.connection.replyPoll.pollFromNowOn(for: 20_000_000_000)
                    let clock = ContinuousClock()
                    let start = clock.now
                    let call = Task { try await portal.run(TestJobs.sleep, 60_000) }
                    try await Task.sleep(for: .milliseconds(50))
                    call.cancel()
                    await #expect(throws: CancellationError.self) { try await call.value }
                    #expect(clock.now - start < .seconds(15), "the call ended when the actor acknowledged")
                    #expect(portal.connection.jobsInFlight.isEmpty)
                    #expect(try await portal.run(TestJobs.squareUnlessNegative, 5) == 25)
                }
            }
        }

        @Test func anActorThatDiesDuringAPollFailsTheCall() async throws {
            try await ProcessTree.checkingLeaks {
                let error = await #expect(throws: TractorError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let victim = try await nursery.startActor("victim")
                        victim.connection.replyPoll.pollFromNowOn(for: Self.longPoll)
                        var callError: TractorError?
                        do {
                            _ = try await victim.run(TestJobs.crash, "kill")
                        } catch {
                            callError = error as? TractorError
                        }
                        #expect(callError?.code == .actorCrashed)
                        #expect(callError?.message.contains("'crash'") == true)
                        // A later call on the dead connection fails at once, polling or not.
                        var laterError: (any Error)?
                        do {
                            _ = try await victim.run(TestJobs.squareUnlessNegative, 2)
                        } catch {
                            laterError = error
                        }
                        #expect(laterError is TractorError)
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
                #expect(error?.code == .actorCrashed)
            }
        }

        /// Many calls at once on one connection, some polling, some parked, some answered with errors: each gets
        /// its own answer.
        @Test func concurrentCallsEachGetTheirOwnAnswer() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let portal = try await nursery.startActor("many")
                    portal.connection.replyPoll.pollFromNowOn(for: 200_000)
                    try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
                        for value in -100..<400 {
                            group.addTask {
                                do {
                                    return (value, try await portal.run(TestJobs.squareUnlessNegative, value))
                                } catch is RemoteActorError {
                                    return (value, nil)
                                }
                            }
                        }
                        var seen = 0
                        for try await (value, square) in group {
                            #expect(square == (value < 0 ? nil : value * value))
                            seen += 1
                        }
                        #expect(seen == 500)
                    }
                    #expect(portal.connection.jobsInFlight.isEmpty)
                }
            }
        }
    }
}
