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
    /// `withActorNursery`'s promise, checked at the moment it is kept: however the scope ends (its body returns, its
    /// body throws, a child fails, its task is cancelled), every process the nursery spawned has been reaped by the
    /// time it returns. Read from `/proc` right then, with no polling: a zombie still has its entry, so it counts as
    /// left behind. (The leak check around each test waits afterwards; it cannot tell "reaped before returning" from
    /// "reaped a little later".)
    @Suite(.timeLimit(.minutes(3)))
    struct ScopeExitTests {
        @Test func whenTheBodyReturnsEveryActorOfTheTreeIsReaped() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                let pids = try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let daemon = try await nursery.startActor("daemon")
                    let input = TreeInput(depth: 2, breadth: 2, failLeaves: false, pidDirectory: directory)
                    let tree = try await nursery.runInActor(TestJobs.tree, input, name: "tree")
                    return [try await daemon.run(TestJobs.pid)] + (try await tree.result())
                }
                // The daemon, and the tree: its root, two children, four grandchildren.
                #expect(pids.count == 8)
                let left = ProcessInspection.unreaped(pids)
                #expect(left.isEmpty, "not reaped: \(left.map(ProcessInspection.describe))")
            }
        }

        @Test func whenTheBodyThrowsEveryActorIsReapedAndTheRunningJobSawItsCancellation() async throws {
            struct BodyError: Error {}
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                var left: [Int32] = []
                await #expect(throws: BodyError.self) {
                    do {
                        try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                            try await Self.startDaemonAndSleeper(in: nursery, recordingIn: directory)
                            throw BodyError()
                        }
                    } catch {
                        left = ProcessInspection.unreaped(ProcessTree.recordedPIDs(in: directory))
                        throw error
                    }
                }
                #expect(ProcessTree.recordedPIDs(in: directory).count == 2)
                #expect(left.isEmpty, "not reaped: \(left.map(ProcessInspection.describe))")
                #expect(recordedCancellations(in: directory).count == 1, "the sleeper did not see its cancellation")
            }
        }

        @Test func whenAChildFailsEveryActorIsReapedAndTheRunningSiblingSawItsCancellation() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                var left: [Int32] = []
                let error = await #expect(throws: RemoteActorError.self) {
                    do {
                        try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                            try await Self.startDaemonAndSleeper(in: nursery, recordingIn: directory)
                            _ = try await nursery.runInActor(TestJobs.fail, "no luck", name: "failer")
                            // The failure cancels this body; without it, the sleep would hold the scope for an hour.
                            try await Task.sleep(for: .seconds(3600))
                        }
                    } catch {
                        left = ProcessInspection.unreaped(ProcessTree.recordedPIDs(in: directory))
                        throw error
                    }
                }
                #expect(error?.message == "no luck")
                #expect(ProcessTree.recordedPIDs(in: directory).count == 2)
                #expect(left.isEmpty, "not reaped: \(left.map(ProcessInspection.describe))")
                #expect(recordedCancellations(in: directory).count == 1, "the sleeper did not see its cancellation")
            }
        }

        @Test func whenTheScopesTaskIsCancelledEveryActorOfTheTreeIsReaped() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                let scope = Task { () -> [Int32] in
                    do {
                        try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                            try await Self.startDaemonAndSleeper(in: nursery, recordingIn: directory)
                            // A holder with two daemons below it: four more pids in all, recorded as they start.
                            let input = TreeInput(depth: 1, breadth: 2, failLeaves: false, pidDirectory: directory)
                            _ = try await nursery.runInActor(TestJobs.holdDaemons, input, name: "holder")
                            try await Task.sleep(for: .seconds(3600))
                        }
                        return []
                    } catch {
                        // At the moment the scope returns, in the task that ran it.
                        return ProcessInspection.unreaped(ProcessTree.recordedPIDs(in: directory))
                    }
                }
                let started = await ProcessTree.eventually(within: .seconds(60)) {
                    ProcessTree.recordedPIDs(in: directory).count == 5
                }
                #expect(started, "recorded: \(ProcessTree.recordedPIDs(in: directory))")
                scope.cancel()
                let left = await scope.value
                #expect(left.isEmpty, "not reaped: \(left.map(ProcessInspection.describe))")
                #expect(recordedCancellations(in: directory).count == 1, "the sleeper did not see its cancellation")
            }
        }

        /// Starts a daemon that records its pid and an actor running ``TestJobs/sleepRecordingCancellation``; returns
        /// once both pids are recorded (the sleeper's job is running then).
        static func startDaemonAndSleeper(in nursery: ActorNursery, recordingIn directory: String) async throws {
            let daemon = try await nursery.startActor("daemon")
            _ = try await daemon.run(TestJobs.recordSelf, directory)
            _ = try await nursery.runInActor(TestJobs.sleepRecordingCancellation, directory, name: "sleeper")
            let running = await ProcessTree.eventually(within: .seconds(30)) {
                ProcessTree.recordedPIDs(in: directory).count == 2
            }
            try #require(running, "the sleeper's job did not start")
        }
    }
}
