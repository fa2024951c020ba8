//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestSupport

/// Host agents launched over `ssh` into a namespace host that runs `sshd`; the head is a program in this namespace.
@Suite(.serialized, .enabled(if: SSHServer.unavailableReason == nil, "\(SSHServer.unavailableReason ?? "")"))
struct SSHLauncherTests {
    /// Starts the head: agents over ssh to host 1 of `network`, one actor there.
    static func startHead(
        _ network: TestNetwork, _ server: SSHServer, hold: Bool
    ) throws -> CommandRunner.Running {
        var arguments = [
            "--launcher", "ssh", "--ssh-host", "root@\(network.hostAddresses[1])",
            "--listen", "\(network.headAddress):0",
            "--agent", try CommandRunner.executable("pool-worker"),
            "--actor", try CommandRunner.executable("tractor-test-worker"),
        ]
        for option in server.clientOptions { arguments += ["--ssh-option", option] }
        if hold { arguments.append("--hold") }
        return try CommandRunner.Running(
            try CommandRunner.executable("tractor-launch-head"), arguments,
            environment: [TractorSecret.environmentVariable: TractorSecret.random().hexEncoded()]
        )
    }

    @Test(.timeLimit(.minutes(3)))
    func anAgentStartedOverSSHServesAndEndsWithItsScopeOrItsSSHClient() async throws {
        let network = try TestNetwork.fresh(hosts: 2)
        defer { network.remove() }
        let server = try SSHServer(network: network, host: 1)
        defer { server.stop() }
        let address = network.hostAddresses[1]

        // To its end: the agent answers through its actor, and the scope's end stops it and its ssh client.
        let head = try Self.startHead(network, server, hold: false)
        let outcome = try await head.waitForExit(timeout: .seconds(120))
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.error)")
        #expect(outcome.output.contains("hosts: 1 \(address)"), "\(outcome.output)")
        #expect(outcome.output.contains("answer from \(address): hello \(address)"), "\(outcome.output)")
        #expect(!outcome.output.contains(TractorSecret.environmentVariable + "="))
        #expect(await CommandRunner.eventually(within: .seconds(30)) {
            network.processes(inHost: 1) == [server.pid]
        }, "left: \(network.processes(inHost: 1).map(ProcessInspection.describe))")

        // Killing the ssh client ends the agent (its standard input ends) and the actor beneath it.
        let holding = try Self.startHead(network, server, hold: true)
        defer { kill(holding.pid, SIGKILL) }
        let held = await CommandRunner.eventually(within: .seconds(120)) { holding.output.contains("holding") }
        #expect(held, "\(holding.output)\(holding.error)")
        let launched = holding.output.split(separator: "\n").first { $0.hasPrefix("launched ") } ?? ""
        let client = try #require(Int32(launched.split(separator: "[").last?.dropLast() ?? ""), "\(launched)")
        #expect(network.processes(inHost: 1).count >= 3, "sshd, its session, the agent and its actor")
        kill(client, SIGKILL)
        #expect(await CommandRunner.eventually(within: .seconds(30)) {
            network.processes(inHost: 1) == [server.pid]
        }, "left: \(network.processes(inHost: 1).map(ProcessInspection.describe))")
        kill(holding.pid, SIGTERM)
        _ = try? await holding.waitForExit(timeout: .seconds(30))
    }
}
