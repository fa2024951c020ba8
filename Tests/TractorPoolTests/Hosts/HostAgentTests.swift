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

/// `pool-worker serve --connect`: a host agent on this host's loopback, joining a head that is the test process.
@Suite(.serialized)
struct HostAgentTests {
    /// A run's secret and the environment that hands it to an agent.
    static func secret() -> (TractorSecret, [String: String]) {
        let secret = TractorSecret.random()
        return (secret, [TractorSecret.environmentVariable: secret.hexEncoded()])
    }

    @Test(.timeLimit(.minutes(2)))
    func agentJoinsDescribesItsHostAndStartsActorsBeneathItself() async throws {
        let (secret, environment) = Self.secret()
        let agents = try await ActorRuntime.shared.listenForAgents(on: "127.0.0.1:0", secret: secret)
        defer { agents.close() }
        let worker = try CommandRunner.executable("pool-worker")
        let agent = try CommandRunner.Running(
            worker, ["serve", "--connect", "127.0.0.1:\(agents.address.port)", "--name", "alpha"],
            environment: environment
        )
        let host = try await agents.waitForHost(named: "alpha", timeout: .seconds(60))
        #expect(host.description.agent.pid == agent.pid)
        let topology = try JSONSerialization.jsonObject(with: Data(host.description.topologyJSON.utf8))
        let hostname = (topology as? [String: Any])?["hostname"] as? String
        #expect(hostname == ProcessInfo.processInfo.hostName || hostname?.isEmpty == false)

        let portal = try await host.startActor(RemoteSpawnRequest(name: "remote-echo", jobs: [], executable: worker))
        #expect(try await portal.run(BuiltinJobs.echo, "hello") == "hello")
        let pid = try await portal.run(BuiltinJobs.pid)
        #expect(pid == portal.actor.pid)
        #expect(ProcessInspection.children(of: agent.pid).contains(pid))
        let big = String(repeating: "x", count: 1 << 20)
        #expect(try await portal.run(BuiltinJobs.echo, big) == big)

        let outcome = try await host.stopActor(portal.actor)
        #expect("\(outcome)".contains("exited"))
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(pid) })

        // A second actor lives until the head goes: the agent tears it down and exits.
        let second = try await host.startActor(RemoteSpawnRequest(name: "second", jobs: ["pid"], executable: worker))
        let secondPID = try await second.run(BuiltinJobs.pid)
        host.disconnect()
        let ended = try await agent.waitForExit(timeout: .seconds(30))
        #expect(ended.exited && ended.status == 0, "agent: \(ended.error)")
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(secondPID) })
        #expect(!ended.error.contains(secret.hexEncoded()))
    }

    @Test(.timeLimit(.minutes(2)))
    func agentGivesUpAfterItsConnectTimeoutWithAClearMessage() async throws {
        let (secret, environment) = Self.secret()
        // A port nothing listens on: bind one, read it, close it.
        let agents = try await ActorRuntime.shared.listenForAgents(on: "127.0.0.1:0", secret: secret)
        let port = agents.address.port
        agents.close()
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable("pool-worker"),
            ["serve", "--connect", "127.0.0.1:\(port)", "--connect-timeout", "1s"],
            environment: environment, timeout: .seconds(60)
        )
        #expect(outcome.exited && outcome.status == 1)
        #expect(outcome.error.contains("could not reach the head at 127.0.0.1:\(port)"), "\(outcome.error)")
        #expect(!outcome.error.contains(secret.hexEncoded()))
    }

    @Test(.timeLimit(.minutes(2)))
    func aWrongSecretIsRefusedWhileTheHeadKeepsServing() async throws {
        let (secret, environment) = Self.secret()
        let (_, wrong) = Self.secret()
        let agents = try await ActorRuntime.shared.listenForAgents(on: "127.0.0.1:0", secret: secret)
        defer { agents.close() }
        let worker = try CommandRunner.executable("pool-worker")
        let address = "127.0.0.1:\(agents.address.port)"
        let refused = try await CommandRunner.run(
            worker, ["serve", "--connect", address, "--name", "intruder", "--connect-timeout", "2s"],
            environment: wrong, timeout: .seconds(60)
        )
        #expect(refused.status == 1)
        #expect(agents.hosts["intruder"] == nil)

        let agent = try CommandRunner.Running(worker, ["serve", "--connect", address, "--name", "beta"], environment: environment)
        let host = try await agents.waitForHost(named: "beta", timeout: .seconds(60))
        let portal = try await host.startActor(RemoteSpawnRequest(name: "b", jobs: [], executable: worker))
        #expect(try await portal.run(BuiltinJobs.square, 12) == 144)
        host.disconnect()
        let ended = try await agent.waitForExit(timeout: .seconds(30))
        #expect(ended.status == 0)
    }
}
