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

/// Host agents on two hosts that are network namespaces on a bridge of the test's own; the head is the test process.
@Suite(.serialized, .enabled(if: TestNetwork.unavailableReason == nil, "\(TestNetwork.unavailableReason ?? "")"))
struct HostNamespaceTests {
    @Test(.timeLimit(.minutes(3)))
    func actorsOnTwoHostsAnswerAsLocalOnesAndAKilledAgentTakesOnlyItsOwn() async throws {
        let network = try TestNetwork(hosts: 2)
        defer { network.remove() }
        let secret = TractorSecret.random()
        let environment = [TractorSecret.environmentVariable: secret.hexEncoded()]
        let agents = try await ActorRuntime.shared.listenForAgents(on: "\(network.headAddress):0", secret: secret)
        defer { agents.close() }
        let head = "\(network.headAddress):\(agents.address.port)"
        let agentProgram = try CommandRunner.executable("pool-worker")
        let actorProgram = try CommandRunner.executable("tractor-test-worker")
        var running: [CommandRunner.Running] = []
        for (index, name) in ["north", "south"].enumerated() {
            let arguments = network.exec(
                host: index, agentProgram,
                ["serve", "--connect", head, "--name", name, "--advertise", network.hostAddresses[index]]
            )
            running.append(try CommandRunner.Running(network.ip, arguments, environment: environment))
        }
        let north = try await agents.waitForHost(named: "north", timeout: .seconds(60))
        let south = try await agents.waitForHost(named: "south", timeout: .seconds(60))
        #expect(north.description.advertisedAddress == network.hostAddresses[0])

        // Garbage on the head's port, from inside a host, is refused; the head goes on serving.
        _ = try? await CommandRunner.run(
            network.ip,
            ["netns", "exec", network.namespaces[1], "bash", "-c",
             "printf 'GET / HTTP/1.0\\r\\n\\r\\n' > /dev/tcp/\(network.headAddress)/\(agents.address.port)"],
            timeout: .seconds(30)
        )

        let remote = [
            try await north.startActor(RemoteSpawnRequest(name: "n1", jobs: [], executable: actorProgram)),
            try await south.startActor(RemoteSpawnRequest(name: "s1", jobs: [], executable: actorProgram)),
        ]
        try await withActorNursery { nursery in
            let here = try await nursery.startActor("local", executable: .path(actorProgram))
            for portal in remote + [here] {
                let big = String(repeating: "y", count: 1 << 20)
                #expect(try await portal.run(TestJobs.echo, big) == big)
                #expect(try await portal.run(TestJobs.echo, "small") == "small")
                let ticks = try await portal.openStream(StreamTestJobs.ticker, 100) { stream in
                    var ticks: [Int] = []
                    for try await tick in stream { ticks.append(tick) }
                    return ticks
                }
                #expect(ticks == Array(0..<100))
                let sizes = try await portal.openStream(StreamTestJobs.producer, ProducerInput(count: 4, payloadBytes: 1 << 20)) {
                    stream in
                    var sizes: [Int] = []
                    for try await element in stream { sizes.append(element.count) }
                    return sizes
                }
                #expect(sizes == [Int](repeating: 1 << 20, count: 4))
                let echoed = try await portal.openContext(StreamTestJobs.echoUntilEnd, 7) { context, started in
                    #expect(started == 7)
                    for value in 0..<10 { try await context.stream.send(value) }
                    context.stream.finish()
                    var echoed: [Int] = []
                    for try await value in context.stream { echoed.append(value) }
                    return echoed
                }
                #expect(echoed == Array(0..<10))
            }
            try await here.cancelActor()
        }

        // kill -9 of one agent: its actor dies with it (its parent-death signal), its host empties, the other goes on.
        let northActor = remote[0].actor.pid
        kill(running[0].pid, SIGKILL)
        let emptied = await CommandRunner.eventually(within: .seconds(10)) { network.processes(inHost: 0).isEmpty }
        #expect(emptied, "left in north: \(network.processes(inHost: 0))")
        #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(northActor) })
        await #expect(throws: (any Error).self) { try await remote[0].run(TestJobs.echo, "gone") }
        #expect(try await remote[1].run(TestJobs.echo, "still here") == "still here")

        south.disconnect()
        let ended = try await running[1].waitForExit(timeout: .seconds(30))
        #expect(ended.status == 0, "south: \(ended.error)")
        #expect(await CommandRunner.eventually(within: .seconds(10)) { network.processes(inHost: 1).isEmpty })
        _ = try? await running[0].waitForExit(timeout: .seconds(10))
    }
}
