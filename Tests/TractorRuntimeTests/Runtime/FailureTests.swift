//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

extension SpawningTests {
    /// One-cancels-all supervision, remote errors and crashes.
    @Suite(.timeLimit(.minutes(5)))
    struct FailureTests {
        @Test func oneFailingJobAmongDaemonsFailsTheNursery() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let error = try await ProcessTree.checkingLeaks {
                await #expect(throws: RemoteActorError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        for index in 0..<3 {
                            let daemon = try await nursery.startActor("daemon\(index)")
                            _ = try await daemon.run(TestJobs.recordSelf, directory)
                        }
                        _ = try await nursery.runInActor(TestJobs.fail, "the answer is not 41", name: "failer")
                        // The failure cancels this body; without it, the sleep would hold the scope for an hour.
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
            }
            #expect(error?.isRemote("TestJobError") == true)
            #expect(error?.typeName == "TractorTestJobs.TestJobError")
            #expect(error?.message == "the answer is not 41")
            #expect(error?.source.name == "failer")
            #expect(error?.job == "fail")
            let pids = ProcessTree.recordedPIDs(in: directory)
            #expect(pids.count == 3)
            #expect(pids.allSatisfy { !ProcessTree.isAlive($0) })
        }

        @Test func twentyFiveFailuresAreAllReported() async throws {
            let barrier = ProcessTree.temporaryDirectory()
            let error = try await ProcessTree.checkingLeaks {
                await #expect(throws: ActorNurseryError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration(cancelGrace: .seconds(20))) {
                        nursery in
                        for index in 0..<25 {
                            let input = BarrierInput(directory: barrier, count: 25, message: "failure \(index)")
                            _ = try await nursery.runInActor(TestJobs.failAfterBarrier, input, name: "failer\(index)")
                        }
                    }
                }
            }
            let errors = error?.errors.compactMap { $0 as? RemoteActorError } ?? []
            #expect(errors.count == 25)
            #expect(Set(errors.map(\.message)) == Set((0..<25).map { "failure \($0)" }))
        }

        @Test func nestedTreeErrorsArriveWithTheirRelayPath() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let error = try await ProcessTree.checkingLeaks {
                await #expect(throws: (any Error).self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        for index in 0..<2 {
                            let input = TreeInput(depth: 2, breadth: 2, failLeaves: true, pidDirectory: directory)
                            _ = try await nursery.runInActor(TestJobs.tree, input, name: "n\(index)")
                        }
                    }
                }
            }
            let first: RemoteActorError? = (error as? RemoteActorError)
                ?? ((error as? ActorNurseryError)?.errors.first as? RemoteActorError)
            let remote = try #require(first)
            #expect(remote.message.hasPrefix("leaf n"))
            #expect(remote.source.name.split(separator: ".").count == 3)
            #expect(remote.relayPath.count == 2)
            #expect(remote.relayPath.map(\.name) == [
                String(remote.source.name.split(separator: ".").dropLast().joined(separator: ".")),
                String(remote.source.name.split(separator: ".").first!),
            ])
            let pids = ProcessTree.recordedPIDs(in: directory)
            #expect(pids.count >= 2)
            #expect(await ProcessTree.eventually { pids.allSatisfy { !ProcessTree.isAlive($0) } })
        }

        @Test(arguments: [
            ("kill", "SIGKILL"), ("segv", "SIGSEGV"), ("exit", "exited with status 3"), ("fatal", "killed by signal"),
        ])
        func childDyingMidCallFailsTheCall(how: String, expected: String) async throws {
            try await ProcessTree.checkingLeaks {
                let error = await #expect(throws: TractorError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let victim = try await nursery.startActor("victim")
                        let clock = ContinuousClock()
                        let start = clock.now
                        var callError: TractorError?
                        do {
                            _ = try await victim.run(TestJobs.crash, how)
                        } catch {
                            callError = error as? TractorError
                        }
                        #expect(clock.now - start < .seconds(5))
                        #expect(callError?.code == .actorCrashed)
                        #expect(callError?.message.contains(expected) == true)
                        #expect(callError?.message.contains("'crash'") == true)
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
                #expect(error?.code == .actorCrashed)
            }
        }

        /// Starts an actor running `sleepRecordingCancellation`, and returns once the job runs in it (not only sent).
        static func startSleeping(
            in nursery: ActorNursery,
            recordingIn directory: String
        ) async throws -> (Portal, Task<Int, any Error>) {
            let sleeper = try await nursery.startActor("sleeper")
            let call = Task { try await sleeper.run(TestJobs.sleepRecordingCancellation, directory) }
            #expect(await ProcessTree.eventually(within: .seconds(30)) {
                ProcessTree.recordedPIDs(in: directory) == [sleeper.actor.pid]
            })
            return (sleeper, call)
        }

        @Test func jobHonouringCancellationExitsCleanly() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let (sleeper, call) = try await Self.startSleeping(in: nursery, recordingIn: directory)
                    let outcome = try await sleeper.cancelActor()
                    #expect(outcome.step == .cancelled)
                    #expect(outcome.status.isSuccess)
                    // The job itself saw the cancellation, as Swift cancellation, before its process exited.
                    #expect(recordedCancellations(in: directory) == [sleeper.actor.pid])
                    await #expect(throws: (any Error).self) { try await call.value }
                }
            }
        }

        @Test func cancellingACallRelaysIntoItsJobAndTheActorServesOn() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let (sleeper, call) = try await Self.startSleeping(in: nursery, recordingIn: directory)
                    call.cancel()
                    await #expect(throws: (any Error).self) { try await call.value }
                    // The call ends with the job's own answer: by then the job has seen the cancellation.
                    #expect(recordedCancellations(in: directory) == [sleeper.actor.pid])
                    #expect(try await sleeper.run(TestJobs.pid) == sleeper.actor.pid)
                    #expect(nursery.actors.count == 1)
                }
            }
        }

        @Test func jobIgnoringCancellationIsTerminatedThenKilled() async throws {
            try await ProcessTree.checkingLeaks {
                let configuration = ProcessTree.configuration(cancelGrace: .milliseconds(300), terminateGrace: .milliseconds(300))
                try await withActorNursery(configuration: configuration) { nursery in
                    let stubborn = try await nursery.startActor("stubborn")
                    let call = Task { try await stubborn.run(TestJobs.sleepIgnoringCancellation, 3_600_000) }
                    _ = try await stubborn.run(TestJobs.echo, "ready")
                    let clock = ContinuousClock()
                    let start = clock.now
                    let outcome = try await stubborn.cancelActor()
                    let elapsed = clock.now - start
                    #expect(outcome.step == .killed)
                    #expect(outcome.status == TerminationStatus(.signaled(SIGKILL)))
                    #expect(elapsed >= .milliseconds(600))
                    #expect(elapsed < .seconds(10))
                    call.cancel()
                    await #expect(throws: (any Error).self) { try await call.value }
                }
            }
        }

        /// A child whose connection to its parent closes while the parent lives (as an actor's does when the host of
        /// its parent is lost) cancels its jobs and gives them its cancel grace, no more: a job that ignores
        /// cancellation does not keep its process alive, and the child exits by itself, not by a signal.
        @Test func aChildWhoseParentIsGoneGivesAJobIgnoringCancellationItsGraceOnly() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let cut = try await Self.cutFromItsParent(
                cancelGrace: .milliseconds(300),
                calling: { try await $0.run(TestJobs.holdCallIgnoringCancellation, directory) },
                running: { _ in FileManager.default.fileExists(atPath: directory + "/call") }
            )
            // The job would hold its thread for an hour: only the grace ends the process this soon.
            #expect(cut.exited, "the child outlived its cancel grace by a minute")
            #expect(cut.exitedAfter >= .milliseconds(300), "the job was given its grace")
        }

        /// A child whose connection to its parent closes while the parent lives cancels the jobs it serves its
        /// parent, and lets them finish cleaning up (within its cancel grace) before it exits.
        @Test func aChildWhoseParentIsGoneLetsTheJobsItServedCleanUp() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let cut = try await Self.cutFromItsParent(
                cancelGrace: .seconds(2),
                calling: { try await $0.run(TestJobs.sleepThenCleanUpSlowly, directory) },
                running: { ProcessTree.recordedPIDs(in: directory).contains($0) }
            )
            #expect(cut.exited, "the child outlived its parent's connection by a minute")
            #expect(
                recordedCancellations(in: directory).contains(cut.pid),
                "the job's cleanup ran to its end before the child exited"
            )
        }

        /// Under load: three actors (each in a nursery of its own, so that one's end does not cancel the others),
        /// each serving two streams of short calls and one job that ignores cancellation, are cut from this process
        /// (their parent, alive) at random moments while the calls stream: each gives its jobs its grace, exits by
        /// itself within a minute, every call on it ends with its end, and no process or descriptor is left.
        @Test(arguments: [UInt64(1), 2, 3])
        func childrenCutFromTheirParentWhileCallsStreamEachExitWithinTheirGrace(seed: UInt64) async throws {
            var random = SplitMix64(seed: seed)
            let delays = (0..<3).map { _ in Duration.milliseconds(Int.random(in: 0..<200, using: &random)) }
            let record = CallRecord()
            try await ProcessTree.checkingLeaks {
                await withTaskGroup(of: Void.self) { actors in
                    for index in 0..<3 {
                        actors.addTask {
                            do {
                                try await Self.streamUntilCut(index, after: delays[index], record: record)
                            } catch {
                                record.failed("scope-\(index)", error)
                            }
                        }
                    }
                }
            }
            let errors = record.errors
            for index in 0..<3 {
                for call in ["held-\(index)", "stream-\(index)-0", "stream-\(index)-1"] {
                    let error = try #require(errors[call] as? TractorError, "\(call): \(String(describing: errors[call]))")
                    #expect(error.code == .actorCrashed, "\(call) ends with the actor's exit: \(error)")
                    #expect(error.message.contains("status 0"), "the actor exited by itself: \(error)")
                }
            }
        }

        /// One actor of the test above: its held job and two streams of calls, cut from its parent `delay` after the
        /// held job has started.
        static func streamUntilCut(_ index: Int, after delay: Duration, record: CallRecord) async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await withActorNursery(configuration: ProcessTree.configuration(cancelGrace: .milliseconds(300))) {
                nursery in
                let portal = try await nursery.startActor("loaded-\(index)")
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            _ = try await portal.run(TestJobs.holdCallIgnoringCancellation, directory)
                        } catch {
                            record.failed("held-\(index)", error)
                        }
                    }
                    for stream in 0..<2 {
                        group.addTask {
                            var sent = 0
                            do {
                                while true {
                                    _ = try await portal.run(TestJobs.echo, "\(stream)-\(sent)")
                                    sent += 1
                                }
                            } catch {
                                record.failed("stream-\(index)-\(stream)", error)
                            }
                        }
                    }
                    let held = await ProcessTree.eventually(within: .seconds(60)) {
                        FileManager.default.fileExists(atPath: directory + "/call")
                    }
                    #expect(held, "actor \(index) never ran its held job")
                    try? await Task.sleep(for: delay)
                    let cut = ContinuousClock.now
                    portal.channelForFaultInjection.injectDisconnection()
                    let pid = portal.actor.pid
                    let exited = await ProcessTree.eventually(within: .seconds(60)) { !ProcessTree.isAlive(pid) }
                    #expect(exited, "actor \(index) outlived its cancel grace by a minute")
                    #expect(ContinuousClock.now - cut >= .milliseconds(300), "actor \(index)'s jobs had their grace")
                    if !exited { kill(pid, SIGKILL) }
                }
            }
        }

        /// Starts an actor with `cancelGrace`, has it run `calling` until `running` (given its pid) holds, cuts the
        /// actor's connection to this process (its parent, alive), and waits up to a minute for it to exit; checks
        /// that the call failed with the actor's exit of status 0 (by itself, not by a signal).
        static func cutFromItsParent(
            cancelGrace: Duration,
            calling: @escaping @Sendable (Portal) async throws -> Int,
            running: @escaping @Sendable (Int32) -> Bool
        ) async throws -> (pid: Int32, exited: Bool, exitedAfter: Duration) {
            let record = CallRecord()
            var outcome: (pid: Int32, exited: Bool, exitedAfter: Duration) = (0, false, .zero)
            try await ProcessTree.checkingLeaks {
                do {
                    try await withActorNursery(configuration: ProcessTree.configuration(cancelGrace: cancelGrace)) {
                        nursery in
                        let child = try await nursery.startActor("cut-off")
                        let pid = child.actor.pid
                        let call = Task { try await calling(child) }
                        let started = await ProcessTree.eventually(within: .seconds(60)) { running(pid) }
                        #expect(started)
                        let cut = ContinuousClock.now
                        child.channelForFaultInjection.injectDisconnection()
                        let exited = await ProcessTree.eventually(within: .seconds(60)) { !ProcessTree.isAlive(pid) }
                        outcome = (pid, exited, ContinuousClock.now - cut)
                        if !exited { kill(pid, SIGKILL) }
                        do {
                            _ = try await call.value
                        } catch {
                            record.failed("call", error)
                        }
                    }
                } catch {
                    record.failed("scope", error)
                }
            }
            let callError = try #require(record.errors["call"] as? TractorError)
            #expect(callError.code == .actorCrashed, "\(callError)")
            #expect(callError.message.contains("status 0"), "the child exited by itself: \(callError)")
            return outcome
        }

        @Test func cancellingTheScopeTearsEverythingDown() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                let scope = Task {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        for index in 0..<3 {
                            let daemon = try await nursery.startActor("d\(index)")
                            _ = try await daemon.run(TestJobs.recordSelf, directory)
                        }
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
                #expect(await ProcessTree.eventually(within: .seconds(60)) { ProcessTree.recordedPIDs(in: directory).count == 3 })
                scope.cancel()
                await #expect(throws: CancellationError.self) { try await scope.value }
            }
            #expect(ProcessTree.recordedPIDs(in: directory).allSatisfy { !ProcessTree.isAlive($0) })
        }
    }
}
