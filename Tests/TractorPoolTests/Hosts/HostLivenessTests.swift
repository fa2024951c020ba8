//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import PoolWorkerJobs
import TractorRuntime
import TractorTestSupport

/// Liveness over loopback: a head's verdict on a host that falls silent, and what it does when that host's agent comes
/// back (a forged agent: this process, which describes itself and never answers a heartbeat); an agent that took
/// long to reach its head does not count that time as the head's silence.
@Suite(.serialized)
struct HostLivenessTests {
    /// Connects to `address` as an agent that describes itself as `description` and answers heartbeats if
    /// `answering`, else never.
    static func forgeAgent(
        _ description: HostDescription, at address: String, secret: TractorSecret, answering: Bool = false
    ) async throws -> PeerConnection {
        let describe = Job(HostAgentJobs.describe) { () -> HostDescription in description }
        let silent = Job(HostAgentJobs.heartbeat) { (_: HeartbeatInput) -> String in
            if !answering { try await Task.sleep(for: .seconds(3600)) }
            return description.incarnation
        }
        let runtime = ActorRuntime.shared
        let server = JobTable(
            actor: runtime.identity, jobs: [describe.name: describe._erased, silent.name: silent._erased]
        )
        return try await runtime.connectTCP(to: address, secret: secret, server: server)
    }

    @Test(.timeLimit(.minutes(1)))
    func aSilentHostIsLostOnceAndItsIncarnationIsRefusedWhenItComesBack() async throws {
        let secret = TractorSecret.random()
        let log = LogCapture(level: .info)
        var configuration = TCPConfiguration()
        configuration.heartbeatInterval = .milliseconds(100)
        configuration.hostSilenceLimit = .milliseconds(600)
        configuration.logger = log.logger
        let agents = try await ActorRuntime.shared.listenForAgents(
            on: "127.0.0.1:0", configuration: configuration, secret: secret
        )
        defer { agents.close() }
        let address = "127.0.0.1:\(agents.address.port)"
        let first = HostDescription(
            name: "forged", incarnation: "first", agent: ActorRuntime.shared.identity, advertisedAddress: nil,
            topologyJSON: "{}"
        )

        let joined = try await Self.forgeAgent(first, at: address, secret: secret)
        let host = try await agents.waitForHost(named: "forged", timeout: .seconds(30))
        #expect(await CommandRunner.eventually(within: .seconds(20)) { host.lost != nil })
        let verdict = try #require(host.lost)
        #expect(verdict.code == .hostLost)
        #expect(verdict.message.contains("host 'forged'") && verdict.message.contains("silent for"), "\(verdict)")
        #expect(!host.isConnected && agents.hosts["forged"] == nil)
        #expect(await CommandRunner.eventually(within: .seconds(10)) { joined.channel.isClosed })
        // Said once, however many heartbeats went unanswered.
        #expect(await CommandRunner.eventually(within: .seconds(10)) { log.contains("was lost") })
        #expect(log.lines.filter { $0.message.contains("was lost") }.count == 1, "\(log.lines)")

        // The same incarnation comes back: refused, logged, closed; not merged into a host.
        let again = try await Self.forgeAgent(first, at: address, secret: secret)
        #expect(await CommandRunner.eventually(within: .seconds(10)) { again.channel.isClosed })
        #expect(log.contains("declared lost"), "\(log.lines)")
        #expect(agents.hosts["forged"] == nil)

        // A restarted agent (a new incarnation) joins as a new host.
        var second = first
        second.incarnation = "second"
        let restarted = try await Self.forgeAgent(second, at: address, secret: secret, answering: true)
        defer { restarted.channel.close() }
        let rejoined = try await agents.waitForHost(named: "forged", timeout: .seconds(30))
        #expect(rejoined !== host)
        #expect(rejoined.description.incarnation == "second")
        #expect(rejoined.isConnected)
    }

    @Test(.timeLimit(.minutes(1)))
    func anAgentThatWaitedForItsHeadCountsTheSilenceFromItsJoin() async throws {
        let secret = TractorSecret.random()
        // A free port, closed again: the agent tries it before the head listens there.
        let probe = try await ActorRuntime.shared.listenForAgents(on: "127.0.0.1:0", secret: secret)
        let port = probe.address.port
        probe.close()
        var configuration = TCPConfiguration()
        configuration.hostSilenceLimit = .seconds(2)
        let agent = try CommandRunner.Running(
            try CommandRunner.executable("pool-worker"),
            ["serve", "--connect", "127.0.0.1:\(port)", "--name", "patient", "--connect-timeout", "30s"],
            environment: [TractorSecret.environmentVariable: secret.hexEncoded()]
        )
        defer { kill(agent.pid, SIGKILL) }
        // Longer than the agent's own silence limit (5 s, until the head's first heartbeat says 2 s), on purpose: the
        // agent retries all that time.
        try await Task.sleep(for: .seconds(6))
        let agents = try await ActorRuntime.shared.listenForAgents(
            on: "127.0.0.1:\(port)", configuration: configuration, secret: secret
        )
        defer { agents.close() }
        let host = try await agents.waitForHost(named: "patient", timeout: .seconds(30))
        let actor = try await host.startActor(
            RemoteSpawnRequest(name: "w", jobs: [], executable: try CommandRunner.executable("pool-worker"))
        )
        #expect(try await actor.run(BuiltinJobs.echo, "joined") == "joined")
        #expect(agent.process.isRunning && host.isConnected, "\(agent.error)")
        host.disconnect()
        #expect(try await agent.waitForExit(timeout: .seconds(30)).status == 0, "\(agent.error)")
    }
}

/// The head's heartbeat, as far as a forged agent reads it.
struct HeartbeatInput: Codable, Sendable {
    var silenceLimitMilliseconds: Int64
}
