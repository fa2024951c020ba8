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
    /// What a nursery reports when its actors fail: one error per failed actor, none for its own cancellation, all of
    /// them, and nested errors with every hop they crossed.
    @Suite(.timeLimit(.minutes(5)))
    struct SupervisionTests {
        @Test func actorKilledWithACallAStreamAndAContextOpenIsOneError() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let record = CallRecord()
            let error = try await ProcessTree.checkingLeaks {
                await #expect(throws: (any Error).self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let victim = try await nursery.startActor("victim")
                        record.victim = victim.actor
                        await withTaskGroup(of: Void.self) { group in
                            group.addTask {
                                do {
                                    _ = try await victim.run(TestJobs.holdCall, directory)
                                } catch {
                                    record.failed("call", error)
                                }
                            }
                            group.addTask {
                                do {
                                    try await victim.openStream(StreamTestJobs.tickThenWait, 5) { stream in
                                        for try await tick in stream where tick == 4 { record.opened() }
                                    }
                                } catch {
                                    record.failed("stream", error)
                                }
                            }
                            group.addTask {
                                do {
                                    try await victim.openContext(StreamTestJobs.pingPong, 0) { context, _ in
                                        try await context.stream.send("ping")
                                        for try await _ in context.stream { record.opened() }
                                    }
                                } catch {
                                    record.failed("context", error)
                                }
                            }
                            let open = await ProcessTree.eventually(within: .seconds(60)) {
                                record.openCount == 2 && FileManager.default.fileExists(atPath: directory + "/call")
                            }
                            #expect(open)
                            kill(victim.actor.pid, SIGKILL)
                        }
                        // Rethrowing the death, as a body that does not catch it does, adds no second error.
                        if let first = record.errors["call"] { throw first }
                    }
                }
            }
            let victim = try #require(record.victim)
            let callErrors = record.errors
            #expect(callErrors.count == 3)
            let descriptions = Set(callErrors.values.map { String(describing: $0) })
            #expect(descriptions.count == 1, "each call fails with the same death: \(descriptions)")
            for (kind, callError) in callErrors {
                let crash = callError as? TractorError
                #expect(crash?.code == .actorCrashed, "\(kind): \(callError)")
                #expect(crash?.message.contains(victim.description) == true, "\(kind): \(callError)")
                #expect(crash?.message.contains("SIGKILL") == true, "\(kind): \(callError)")
            }
            let death = try #require(error as? TractorError, "one death is one error, not \(String(describing: error))")
            #expect(death.code == .actorCrashed)
            #expect(descriptions == [String(describing: death)])
            for job in ["'holdCall'", "'tickThenWait'", "'pingPong'"] {
                #expect(death.message.contains(job), "\(death.message)")
            }
        }

        @Test func runInActorKilledMidJobIsOneError() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let record = CallRecord()
            let error = try await ProcessTree.checkingLeaks {
                await #expect(throws: (any Error).self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let holder = try await nursery.runInActor(TestJobs.holdCall, directory, name: "holder")
                        record.victim = holder.actor
                        let running = await ProcessTree.eventually(within: .seconds(60)) {
                            FileManager.default.fileExists(atPath: directory + "/call")
                        }
                        #expect(running)
                        kill(holder.actor.pid, SIGKILL)
                        do {
                            _ = try await holder.result()
                        } catch {
                            record.failed("result", error)
                            throw error
                        }
                    }
                }
            }
            let victim = try #require(record.victim)
            // The job's failure and the actor's exit are one death: one error, the one the job's result failed with.
            let death = try #require(error as? TractorError, "one death is one error, not \(String(describing: error))")
            #expect(death.code == .actorCrashed)
            #expect(death.message.contains(victim.description))
            #expect(record.errors["result"].map { String(describing: $0) } == String(describing: death))
        }

        @Test func nestedTreeWhoseLeavesAllFailReportsEachLeafOnceWithEveryHop() async throws {
            let breadths = [2, 3]
            let leaves = breadths.reduce(1, *)
            for iteration in 0..<20 {
                let barrier = ProcessTree.temporaryDirectory()
                let pids = ProcessTree.temporaryDirectory()
                let error = try await ProcessTree.checkingLeaks {
                    await #expect(throws: (any Error).self) {
                        try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                            let input = BarrierTreeInput(
                                breadths: breadths, barrier: barrier, leaves: leaves, pidDirectory: pids
                            )
                            _ = try await nursery.runInActor(TestJobs.barrierTree, input, name: "root")
                        }
                    }
                }
                let root = try #require(
                    error as? RemoteActorError, "iteration \(iteration): \(String(describing: error))"
                )
                let all = Self.flattened(root)
                let expected = (0..<breadths[0]).flatMap { spawner in
                    (0..<breadths[1]).map { leaf in "root.\(spawner).\(leaf)" }
                }
                // Every leaf exactly once, and nothing else: no echo of a cancellation, a refusal or a killed start.
                #expect(all.map(\.source.name).sorted() == expected.sorted(), "iteration \(iteration): \(root)")
                for leafError in all {
                    let name = leafError.source.name
                    #expect(leafError.isRemote("TestJobError"), "iteration \(iteration): \(leafError)")
                    #expect(leafError.message == "leaf \(name) failed", "iteration \(iteration): \(leafError)")
                    let spawner = String(name.split(separator: ".").dropLast().joined(separator: "."))
                    #expect(
                        leafError.relayPath.map(\.name) == [spawner, "root"], "iteration \(iteration): \(leafError)"
                    )
                }
                let recorded = ProcessTree.recordedPIDs(in: pids)
                #expect(recorded.count == 1 + breadths[0] + leaves, "iteration \(iteration)")
                #expect(await ProcessTree.eventually { recorded.allSatisfy { !ProcessTree.isAlive($0) } })
            }
        }

        @Test func startsCutShortByTheFirstFailureAreNotErrors() async throws {
            for iteration in 0..<5 {
                let error = try await ProcessTree.checkingLeaks {
                    await #expect(throws: (any Error).self) {
                        try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                // A start that only the nursery's cancellation ends: the program never connects back.
                                group.addTask {
                                    _ = try await nursery.startActor(
                                        "silent", executable: .path("/bin/sleep", arguments: ["3600"])
                                    )
                                }
                                _ = try await nursery.runInActor(TestJobs.fail, "failure \(iteration)", name: "failer")
                                // More starts, until the failure stops the nursery: refused, or cut short.
                                for index in 0..<200 { _ = try await nursery.startActor("late\(index)") }
                                try await group.waitForAll()
                            }
                        }
                    }
                }
                let failure = try #require(
                    error as? RemoteActorError, "iteration \(iteration): \(String(describing: error))"
                )
                #expect(failure.source.name == "failer")
                #expect(failure.message == "failure \(iteration)")
            }
        }

        /// `error` and every error nested in it, depth first.
        static func flattened(_ error: RemoteActorError) -> [RemoteActorError] {
            [error] + error.nested.flatMap(flattened)
        }
    }
}

/// What the calls of a test did, written from their tasks.
final class CallRecord: Sendable {
    private struct State {
        var victim: ActorID?
        var errors: [String: any Error] = [:]
        var opened = 0
    }

    private let state = Mutex(State())

    var victim: ActorID? {
        get { state.withLock { $0.victim } }
        set { state.withLock { $0.victim = newValue } }
    }

    var errors: [String: any Error] { state.withLock { $0.errors } }

    var openCount: Int { state.withLock { $0.opened } }

    func opened() {
        state.withLock { $0.opened += 1 }
    }

    func failed(_ kind: String, _ error: any Error) {
        state.withLock { $0.errors[kind] = error }
    }
}
