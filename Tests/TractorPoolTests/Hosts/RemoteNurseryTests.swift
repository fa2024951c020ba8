//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool
import TractorRuntime
import TractorTestSupport

/// Actors on hosts joined through agents (`pool-worker serve --connect` on loopback), in a nursery of this process.
@Suite(.serialized)
struct RemoteNurseryTests {
    /// The process's head (one per process), with its secret.
    static let head: Task<(address: String, environment: [String: String]), any Error> = Task {
        let secret = TractorSecret.random()
        // Every address: agents on this host join through loopback, those in test namespaces through their bridge.
        let address = try await Tractor.listenForAgents(on: "0.0.0.0:0", secret: secret)
        let port = address.split(separator: ":").last.map(String.init) ?? ""
        return ("127.0.0.1:\(port)", [TractorSecret.environmentVariable: secret.hexEncoded()])
    }

    /// Starts an agent joining the head as `name`, and waits until it has joined.
    static func agent(_ name: String) async throws -> CommandRunner.Running {
        let (address, environment) = try await head.value
        let agent = try CommandRunner.Running(
            try CommandRunner.executable("pool-worker"), ["serve", "--connect", address, "--name", name],
            environment: environment
        )
        let deadline = ContinuousClock.now + .seconds(60)
        while !Tractor.hosts.contains(name) {
            _ = try await Tractor.waitForHosts(Tractor.hosts.count + 1, timeout: deadline - ContinuousClock.now)
        }
        return agent
    }

    static func configuration() throws -> ActorNurseryConfiguration {
        var configuration = ActorNurseryConfiguration()
        configuration.executable = .path(try CommandRunner.executable("pool-worker"))
        return configuration
    }

    @Test(.timeLimit(.minutes(2)))
    func aRemoteActorAnswersAsALocalOneAndLeavingTheNurseryStopsIt() async throws {
        let agent = try await Self.agent("remote-a")
        var remotePID: Int32 = 0
        try await withActorNursery(configuration: try Self.configuration()) { nursery in
            let remote = try await nursery.startActor(
                "far", on: "remote-a", jobs: [BuiltinJobs.echo, BuiltinJobs.square, BuiltinJobs.pid, BuiltinJobs.fail]
            )
            let local = try await nursery.startActor("near", jobs: [BuiltinJobs.echo, BuiltinJobs.square])
            #expect(try await remote.run(BuiltinJobs.echo, "hi") == (try await local.run(BuiltinJobs.echo, "hi")))
            #expect(try await remote.run(BuiltinJobs.square, 12) == (try await local.run(BuiltinJobs.square, 12)))
            remotePID = try await remote.run(BuiltinJobs.pid)
            #expect(remotePID == remote.actor.pid)
            #expect(ProcessInspection.children(of: agent.pid).contains(remotePID))
            // A job's error reaches the caller as a local actor's would; the daemon goes on.
            await #expect(throws: RemoteActorError.self) { try await remote.run(BuiltinJobs.fail, "nope") }
            #expect(try await remote.run(BuiltinJobs.square, 3) == 9)
            #expect(nursery.actors.count == 2)
        }
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(remotePID) })
        #expect(Tractor.hosts.contains("remote-a"))
        kill(agent.pid, SIGTERM)
        _ = try? await agent.waitForExit(timeout: .seconds(30))
    }

    @Test(.timeLimit(.minutes(2)))
    func aFailingRemoteJobCancelsItsSiblings() async throws {
        let agent = try await Self.agent("remote-b")
        let started = Date()
        await #expect(throws: RemoteActorError.self) {
            try await withActorNursery(configuration: try Self.configuration()) { nursery in
                let sibling = try await nursery.startActor("sibling", jobs: [BuiltinJobs.sleep])
                _ = try await nursery.runInActor(BuiltinJobs.fail, "remote boom", name: "failing", on: "remote-b")
                _ = try await sibling.run(BuiltinJobs.sleep, 100_000)
            }
        }
        #expect(Date().timeIntervalSince(started) < 60)
        kill(agent.pid, SIGTERM)
        _ = try? await agent.waitForExit(timeout: .seconds(30))
    }

    @Test(.timeLimit(.minutes(2)))
    func killingTheAgentFailsItsActorsCallsAndTheNurseryWithTheHostsName() async throws {
        let agent = try await Self.agent("remote-c")
        var remotePID: Int32 = 0
        do {
            try await withActorNursery(configuration: try Self.configuration()) { nursery in
                let sibling = try await nursery.startActor("sibling", jobs: [BuiltinJobs.sleep])
                let remote = try await nursery.startActor(
                    "doomed", on: "remote-c", jobs: [BuiltinJobs.sleep, BuiltinJobs.pid]
                )
                remotePID = try await remote.run(BuiltinJobs.pid)
                async let siblingCall = sibling.run(BuiltinJobs.sleep, 100_000)
                kill(agent.pid, SIGKILL)
                do {
                    _ = try await remote.run(BuiltinJobs.sleep, 100_000)
                    Issue.record("the call outlived its host")
                } catch let error as TractorError {
                    #expect(error.code == .actorCrashed)
                    #expect(error.message.contains("remote-c"), "\(error)")
                }
                _ = try await siblingCall
            }
            Issue.record("the nursery did not fail")
        } catch let error as TractorError {
            #expect(error.code == .actorCrashed, "\(error)")
            #expect(error.message.contains("remote-c"), "\(error)")
        }
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(remotePID) })
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !Tractor.hosts.contains("remote-c") })
        _ = try? await agent.waitForExit(timeout: .seconds(30))
    }
}
