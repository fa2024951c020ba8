//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

/// How hosts fail and are torn down: hosts are network namespaces on a bridge, agents `pool-worker serve --connect`
/// run in them with `ip netns exec`; the head kills, cuts and slows them.
@Suite(.serialized, .enabled(if: TestNetwork.unavailableReason == nil, "\(TestNetwork.unavailableReason ?? "")"))
struct HostFailureTests {
    /// A network of `names.count` hosts, an agent on each joined to a head listening in this process.
    struct Hosts {
        let network: TestNetwork
        let agents: AgentListener
        let running: [CommandRunner.Running]
        let hosts: [RemoteHost]
        let log: LogCapture

        init(_ names: [String], heartbeat: (interval: Duration, silenceLimit: Duration)? = nil) async throws {
            network = try TestNetwork(hosts: names.count)
            let secret = TractorSecret.random()
            log = LogCapture(level: .warning)
            var configuration = TCPConfiguration()
            configuration.logger = log.logger
            if let heartbeat {
                configuration.heartbeatInterval = heartbeat.interval
                configuration.hostSilenceLimit = heartbeat.silenceLimit
            }
            agents = try await ActorRuntime.shared.listenForAgents(
                on: "\(network.headAddress):0", configuration: configuration, secret: secret
            )
            running = try HostFailureTests.startAgents(
                names, in: network, head: "\(network.headAddress):\(agents.address.port)", secret: secret
            )
            var hosts: [RemoteHost] = []
            for name in names { hosts.append(try await agents.waitForHost(named: name, timeout: .seconds(60))) }
            self.hosts = hosts
        }

        func remove() {
            agents.close()
            for agent in running { kill(agent.pid, SIGKILL) }
            network.remove()
        }
    }

    /// Starts `pool-worker serve --connect head --name NAME` in host `i` of `network` for each name.
    static func startAgents(
        _ names: [String], in network: TestNetwork, head: String, secret: TractorSecret
    ) throws -> [CommandRunner.Running] {
        let agentProgram = try CommandRunner.executable("pool-worker")
        let environment = [TractorSecret.environmentVariable: secret.hexEncoded()]
        return try names.enumerated().map { index, name in
            let arguments = network.exec(host: index, agentProgram, ["serve", "--connect", head, "--name", name])
            return try CommandRunner.Running(network.ip, arguments, environment: environment)
        }
    }

    static func nurseryConfiguration() throws -> ActorNurseryConfiguration {
        var configuration = ActorNurseryConfiguration()
        configuration.executable = .path(try CommandRunner.executable("tractor-test-worker"))
        return configuration
    }

    static let jobs: [any JobDefinition] = [TestJobs.pid, TestJobs.echo, TestJobs.sleep, TestJobs.holdCall]

    @Test(.timeLimit(.minutes(3)))
    func killingTheHeadEmptiesEveryHost() async throws {
        let network = try TestNetwork(hosts: 2)
        defer { network.remove() }
        let secret = TractorSecret.random()
        let head = try CommandRunner.Running(
            try CommandRunner.executable("tractor-test-worker"), ["head", "\(network.headAddress):0", "2"],
            environment: [TractorSecret.environmentVariable: secret.hexEncoded()]
        )
        defer { kill(head.pid, SIGKILL) }
        let listening = await CommandRunner.eventually(within: .seconds(60)) { head.output.contains("\n") }
        let address = try #require(
            head.output.split(separator: "\n").first { $0.hasPrefix("listening ") }?.dropFirst("listening ".count),
            "the head did not say where it listens (\(listening)): \(head.output) \(head.error)"
        )
        let agents = try Self.startAgents(["up", "down"], in: network, head: String(address), secret: secret)
        defer { for agent in agents { kill(agent.pid, SIGKILL) } }
        let ready = await CommandRunner.eventually(within: .seconds(90)) { head.output.contains("ready ") }
        try #require(ready, "the head did not start its actors: \(head.output) \(head.error)")
        // Each host holds its agent and the head's actor.
        for index in 0..<2 {
            #expect(network.processes(inHost: index).count >= 2, "\(network.processes(inHost: index))")
        }

        kill(head.pid, SIGKILL)
        let emptied = await CommandRunner.eventually(within: .seconds(10)) {
            (0..<2).allSatisfy { network.processes(inHost: $0).isEmpty }
        }
        #expect(emptied, "left: \((0..<2).map { network.processes(inHost: $0) }); \(agents.map(\.error))")
    }

    @Test(.timeLimit(.minutes(3)))
    func killingAnAgentFailsOnlyItsActorsCallsNamingItsHost() async throws {
        let setup = try await Hosts(["east", "west"])
        defer { setup.remove() }
        let (east, west) = (setup.hosts[0], setup.hosts[1])
        let program = try CommandRunner.executable("tractor-test-worker")
        // Outside the nursery, an actor on the other host, which must not notice.
        let bystander = try await west.startActor(RemoteSpawnRequest(name: "bystander", jobs: [], executable: program))
        let clock = ContinuousClock()
        var westPID: Int32 = 0
        do {
            try await withActorNursery(configuration: try Self.nurseryConfiguration()) { nursery in
                let doomed = try await nursery.startActor("doomed", on: east, jobs: Self.jobs)
                let sibling = try await nursery.startActor("sibling", on: west, jobs: Self.jobs)
                westPID = try await sibling.run(TestJobs.pid)
                _ = try await doomed.run(TestJobs.pid)
                async let siblingCall = sibling.run(TestJobs.sleep, 100_000)
                let directory = ProcessInspection.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                async let doomedCall = Result { try await doomed.run(TestJobs.holdCall, directory) }
                _ = await CommandRunner.eventually(within: .seconds(30)) {
                    FileManager.default.fileExists(atPath: directory + "/call")
                }
                kill(setup.running[0].pid, SIGKILL)
                let killed = clock.now
                do {
                    _ = try await doomedCall.get()
                    Issue.record("the call outlived its host")
                } catch let error as TractorError {
                    #expect(error.code == .actorCrashed, "\(error)")
                    #expect(error.message.contains("host 'east'"), "\(error)")
                    #expect(clock.now - killed < .seconds(6))
                }
                // Not caught: the sibling on the other host is cancelled, as beside any failing actor.
                _ = try await siblingCall
            }
            Issue.record("the nursery did not fail")
        } catch let error as TractorError {
            #expect(error.code == .actorCrashed, "\(error)")
            #expect(error.message.contains("host 'east'"), "\(error)")
        }
        #expect(east.lost?.code == .hostLost)
        #expect(east.lost?.message.contains("connection closed") == true, "\(String(describing: east.lost))")
        #expect(west.isConnected && west.lost == nil)
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(westPID) })
        #expect(try await bystander.run(TestJobs.echo, "still here") == "still here")
        #expect(await CommandRunner.eventually(within: .seconds(10)) { setup.network.processes(inHost: 0).isEmpty })
        #expect(setup.log.lines.filter { $0.message.contains("was lost") }.count == 1, "\(setup.log.lines)")
        west.disconnect()
        #expect(try await setup.running[1].waitForExit(timeout: .seconds(30)).status == 0)
    }

    @Test(.timeLimit(.minutes(3)))
    func aSilentPartitionIsNoticedOnBothSidesWithinTheBound() async throws {
        let setup = try await Hosts(["near", "cut"])
        defer { setup.remove() }
        let (near, cut) = (setup.hosts[0], setup.hosts[1])
        let program = try CommandRunner.executable("tractor-test-worker")
        let here = try await near.startActor(RemoteSpawnRequest(name: "here", jobs: [], executable: program))
        let there = try await cut.startActor(RemoteSpawnRequest(name: "there", jobs: [], executable: program))
        #expect(try await there.run(TestJobs.echo, "before") == "before")
        let clock = ContinuousClock()
        async let inFlight = Result { try await there.run(TestJobs.sleep, 100_000) }

        try setup.network.setLink(host: 1, up: false)
        let cutAt = clock.now
        // The head: the host is lost, its actor's call fails naming it, within the bound (5 s) and a margin.
        guard case .failure(let failure) = await inFlight else {
            Issue.record("the call outlived the partition")
            return
        }
        let noticed = clock.now - cutAt
        let error = try #require(failure as? TractorError, "\(failure)")
        #expect(error.code == .hostLost, "\(error)")
        #expect(error.message.contains("host 'cut'") && error.message.contains("silent for"), "\(error)")
        #expect(noticed < .seconds(8), "noticed after \(noticed)")
        #expect(cut.lost != nil && !cut.isConnected)
        // The agent: the head is lost; it tears its actor down and exits non-zero, leaving nothing behind.
        let agent = try await setup.running[1].waitForExit(timeout: .seconds(10))
        #expect(agent.status != 0)
        #expect(agent.error.contains("lost the head"), "\(agent.error)")
        #expect(clock.now - cutAt < .seconds(10))
        #expect(await CommandRunner.eventually(within: .seconds(10)) { setup.network.processes(inHost: 1).isEmpty })
        // The other host goes on.
        #expect(try await here.run(TestJobs.echo, "after") == "after")
        #expect(near.isConnected)
    }

    @Test(.timeLimit(.minutes(3)))
    func heartbeatsGetThroughWhileTheAgentIsBusySpawningAndItsActorsStream() async throws {
        // A tight limit, so that a heartbeat held up behind the spawns or the streams would lose the host.
        let setup = try await Hosts(["busy"], heartbeat: (.milliseconds(100), .seconds(2)))
        defer { setup.remove() }
        let host = setup.hosts[0]
        let program = try CommandRunner.executable("tractor-test-worker")
        let big = String(repeating: "z", count: 1 << 20)
        for round in 0..<3 {
            let portals = try await withThrowingTaskGroup(of: Portal.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await host.startActor(
                            RemoteSpawnRequest(name: "busy-\(round)-\(index)", jobs: [], executable: program)
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for portal in portals {
                    group.addTask {
                        for _ in 0..<8 {
                            let echoed = try await portal.run(TestJobs.echo, big)
                            #expect(echoed == big)
                        }
                    }
                }
                try await group.waitForAll()
            }
            for portal in portals { _ = try await host.stopActor(portal.actor) }
        }
        #expect(host.lost == nil, "\(String(describing: host.lost))")
        #expect(host.isConnected)
    }

    @Test(
        .timeLimit(.minutes(3)),
        .enabled(if: TestNetwork.netemUnavailableReason == nil, "\(TestNetwork.netemUnavailableReason ?? "")")
    )
    func aSlowLossyLinkIsNoReasonToLoseAHost() async throws {
        let setup = try await Hosts(["lossy"])
        defer { setup.remove() }
        let host = setup.hosts[0]
        let program = try CommandRunner.executable("tractor-test-worker")
        let actor = try await host.startActor(RemoteSpawnRequest(name: "far", jobs: [], executable: program))
        try setup.network.setNetem(host: 0, ["delay", "20ms", "5ms", "loss", "1%"])
        let clock = ContinuousClock()
        let end = clock.now + .seconds(60)
        var calls = 0
        while clock.now < end {
            #expect(try await actor.run(TestJobs.echo, "call \(calls)") == "call \(calls)")
            calls += 1
        }
        #expect(calls > 100)
        #expect(host.lost == nil, "\(String(describing: host.lost))")
        #expect(host.isConnected)
        #expect(setup.log.lines.isEmpty, "\(setup.log.lines)")
    }
}
