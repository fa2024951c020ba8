//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// An actor runs a job it serves on the thread that read the request, while another thread takes its loop over
    /// at the first event: these attack what that must not break.
    @Suite(.timeLimit(.minutes(3)))
    struct ServedJobTests {
        static let loopThread = ServedJobTestJobs.loopThread

        @Test func aJobAloneRunsOnTheThreadThatReadItsRequest() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("served")
                    var names: [String] = []
                    for _ in 0..<200 {
                        names.append(try await actor.run(ServedJobTestJobs.threadName))
                        // Room for the thread that ran the job to come back before the next request: one that comes
                        // first has the loop taken over, and on a loaded machine a take-over can look like a long
                        // job's, after which the loop leaves the next 64 jobs to the pool.
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    let onLoop = names.count { $0 == Self.loopThread }
                    #expect(onLoop >= 10, "threads: \(Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +))")
                }
            }
        }

        /// The thread that watches the loop while a job runs starts while the actor waits for its parent's answer to
        /// its hello, so that an actor's very first job runs where its request was read too.
        @Test func anActorsFirstJobRunsOnTheThreadThatReadItsRequest() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    var firsts: [String] = []
                    for index in 0..<4 {
                        let actor = try await nursery.startActor("first-\(index)")
                        firsts.append(try await actor.run(ServedJobTestJobs.threadName))
                    }
                    #expect(firsts.allSatisfy { $0 == Self.loopThread }, "threads: \(firsts)")
                }
            }
        }

        @Test func aJobThatComputesWithoutSuspendingIsStillCancelled() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    // No call before the first computation: its job is the first this actor runs on its loop thread,
                    // and a short call before it, stretched past the loop's long-job mark by a loaded machine's
                    // preemption and taken over as it ends, would leave the next jobs to the pool.
                    let actor = try await nursery.startActor("computer")
                    var threads: [String] = []
                    for _ in 0..<3 {
                        let directory = ProcessTree.temporaryDirectory()
                        let input = ComputeInput(directory: directory, seconds: 120)
                        let call = Task { try await actor.run(ServedJobTestJobs.computeUntilCancelled, input) }
                        #expect(await ProcessTree.eventually(within: .seconds(60)) {
                            FileManager.default.fileExists(atPath: directory + "/started")
                        })
                        threads.append((try? String(contentsOfFile: directory + "/started", encoding: .utf8)) ?? "")
                        call.cancel()
                        await #expect(throws: (any Error).self) { try await call.value }
                        // The call ends with the job's own answer: by then the job has seen the cancellation.
                        #expect(recordedCancellations(in: directory) == [actor.actor.pid])
                        // And the actor serves on.
                        #expect(try await actor.run(TestJobs.echo, "after") == "after")
                    }
                    // At least one of them computed on the thread that read its request, where the loop had to be
                    // taken over for the cancellation to be heard.
                    #expect(threads.contains { $0.hasPrefix(Self.loopThread) }, "threads: \(threads)")
                }
            }
        }

        @Test func aJobThatNeverSuspendsDoesNotHoldUpTheNextRequest() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("blocker")
                    _ = try await actor.run(ServedJobTestJobs.threadName)
                    let input = ComputeInput(directory: directory, seconds: 60)
                    let blocked = Task { try await actor.run(ServedJobTestJobs.blockUntilSignalled, input) }
                    #expect(await ProcessTree.eventually(within: .seconds(60)) {
                        FileManager.default.fileExists(atPath: directory + "/blocking")
                    })
                    // Served one after the other, this call would wait for the first, which waits for it.
                    #expect(try await actor.run(ServedJobTestJobs.signal))
                    #expect(try await blocked.value)
                }
            }
        }

        @Test func childTasksOfAServedJobRunConcurrently() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("parent")
                    _ = try await actor.run(ServedJobTestJobs.threadName)
                    // Each child spins until both have started: children run one after another would never meet.
                    let met = try await actor.run(ServedJobTestJobs.meetInChildTasks, MeetInput(count: 2, seconds: 60))
                    #expect(met == 2)
                }
            }
        }

        @Test func callsStreamThroughWhileJobsComputeAndAreCancelledAtRandom() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("busy")
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // Four callers of short jobs, each checking every answer.
                        for caller in 0..<4 {
                            group.addTask {
                                for index in 0..<150 {
                                    let text = "\(caller)-\(index)"
                                    let echoed = try await actor.run(TestJobs.echo, text)
                                    #expect(echoed == text)
                                }
                            }
                        }
                        // Meanwhile, jobs that compute without suspending, each cancelled at a random moment.
                        group.addTask {
                            var generator = SystemRandomNumberGenerator()
                            for _ in 0..<6 {
                                let directory = ProcessTree.temporaryDirectory()
                                let input = ComputeInput(directory: directory, seconds: 120)
                                let call = Task { try await actor.run(ServedJobTestJobs.computeUntilCancelled, input) }
                                try await Task.sleep(for: .milliseconds(Int.random(in: 0...40, using: &generator)))
                                call.cancel()
                                await #expect(throws: (any Error).self) { try await call.value }
                            }
                        }
                        try await group.waitForAll()
                    }
                    #expect(try await actor.run(TestJobs.echo, "done") == "done")
                }
            }
        }
    }
}
