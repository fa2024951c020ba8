//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

/// The errors of actors on other hosts name their host, and what a remote actor says about itself (an actor-level
/// error, an unasked cancel acknowledgement) is heard as a local child's.
@Suite(.serialized)
struct RemoteErrorTests {
    static func configuration() throws -> ActorNurseryConfiguration {
        var configuration = ActorNurseryConfiguration()
        configuration.executable = .path(try CommandRunner.executable("tractor-test-worker"))
        return configuration
    }

    /// Stops the agent and waits for it to exit.
    static func stop(_ agent: CommandRunner.Running, named name: String) async throws {
        ActorRuntime.agentListener?.hosts[name]?.disconnect()
        let ended = try await agent.waitForExit(timeout: .seconds(30))
        #expect(ended.exited && ended.status == 0, "\(name): \(ended.error)")
    }

    @Test(.timeLimit(.minutes(2)))
    func aRemoteJobsErrorNamesItsHostOnItsOwnAndRelayed() async throws {
        let host = "errors-node-1"
        let agent = try await RemoteNurseryTests.agent(host)
        try await withActorNursery(configuration: try Self.configuration()) { nursery in
            let far = try await nursery.startActor("far", on: host)
            let near = try await nursery.startActor("near")

            let remote = try await #require(throws: RemoteActorError.self) { try await far.run(TestJobs.fail, "boom") }
            #expect(remote.host == host)
            #expect(remote.source == far.actor)
            #expect(remote.description.contains("from \(far.actor) on host '\(host)' in job 'fail'"), "\(remote)")
            let local = try await #require(throws: RemoteActorError.self) { try await near.run(TestJobs.fail, "boom") }
            #expect(local.host == nil)
            #expect(!local.description.contains("on host"), "\(local)")
            #expect(remote.typeName == local.typeName && remote.message == local.message)

            // Relayed from a child of the remote actor: the relay path ends at the remote actor, on its host.
            let directory = ProcessInspection.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let tree = TreeInput(depth: 1, breadth: 1, failLeaves: true, pidDirectory: directory)
            let relayed = try await #require(throws: RemoteActorError.self) { try await far.run(TestJobs.tree, tree) }
            #expect(relayed.host == host)
            #expect(relayed.relayPath.last == far.actor)
            #expect(relayed.source != far.actor)
            #expect(relayed.description.contains("relayed through \(far.actor) on host '\(host)')"), "\(relayed)")

            // An input's error in a batch.
            let results = try await far.run(TestJobs.squareUnlessNegative, batch: [2, -3])
            #expect((try? results[0].get()) == 4)
            guard case .failure(let failure as RemoteActorError) = results[1] else {
                Issue.record("the negative input did not fail with a RemoteActorError: \(results[1])")
                return
            }
            #expect(failure.host == host && failure.inputIndex == 1, "\(failure)")
        }

        // A failing job of an actor on the host fails the nursery with the host's name.
        let failed = try await #require(throws: RemoteActorError.self) {
            try await withActorNursery(configuration: try Self.configuration()) { nursery in
                _ = try await nursery.runInActor(TestJobs.fail, "remote failure", name: "failing", on: host)
                try await Task.sleep(for: .seconds(3600))
            }
        }
        #expect(failed.host == host, "\(failed)")
        #expect("\(failed)".contains("on host '\(host)'"))
        try await Self.stop(agent, named: host)
    }

    @Test(.timeLimit(.minutes(2)))
    func anActorLevelErrorOfARemoteActorFailsTheNurseryAsALocalChildsDoes() async throws {
        let host = "errors-node-2"
        let agent = try await RemoteNurseryTests.agent(host)
        for remote in [false, true] {
            let error = try await #require(throws: RemoteActorError.self) {
                try await withActorNursery(configuration: try Self.configuration()) { nursery in
                    let actor = remote
                        ? try await nursery.startActor("confused", on: host) : try await nursery.startActor("confused")
                    #expect(try await actor.run(TestJobs.echo, "ready") == "ready")
                    // A second hello is a protocol violation: the actor answers with an actor-level error.
                    let hello = Hello(actor: ActorRuntime.shared.identity, cookie: [])
                    try actor.channelForFaultInjection.send(.hello(hello))
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            #expect(error.code == "protocolViolation", "\(error)")
            #expect(error.source.name == "confused")
            #expect(error.host == (remote ? host : nil), "\(error)")
        }
        try await Self.stop(agent, named: host)
    }

    @Test(.timeLimit(.minutes(2)))
    func aRemoteActorCancelledByAPeerEndsAsALocalOneDoes() async throws {
        let host = "errors-node-3"
        let agent = try await RemoteNurseryTests.agent(host)
        for remote in [false, true] {
            var cancelledPID: Int32 = 0
            try await withActorNursery(configuration: try Self.configuration()) { nursery in
                // Two actors beneath one parent (this process, or one agent) find each other in its registry.
                let start = { (name: String) in
                    remote ? try await nursery.startActor(name, on: host) : try await nursery.startActor(name)
                }
                let canceller = try await start("canceller")
                let target = try await start("target-\(remote ? "far" : "near")")
                cancelledPID = try await target.run(TestJobs.pid)
                let outcome = try await canceller.run(TestJobs.cancelPeer, target.actor.name)
                #expect(outcome.contains("cancelled"), "\(outcome)")
                // Its exit was expected: its calls fail as cancelled, and the nursery goes on.
                let ended = await CommandRunner.eventually(within: .seconds(30)) { nursery.actors.count == 1 }
                #expect(ended, "still supervised: \(nursery.actors)")
                #expect(try await canceller.run(TestJobs.echo, "still here") == "still here")
            }
            #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(cancelledPID) })
        }
        try await Self.stop(agent, named: host)
    }
}
