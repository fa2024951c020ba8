//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// What each launcher would run, worked out without running anything.
struct AgentLauncherPlanTests {
    @Test func slurmStartsOneAgentPerNodeOfTheAllocationWithTheSecretInTheEnvironment() throws {
        let plan = try AgentLauncher.slurm(arguments: ["--partition=debug"]).plan(
            agent: "/opt/pool-worker", head: "10.0.0.1:7000", connectTimeout: .seconds(90),
            environment: ["SLURM_JOB_NODELIST": "node[01-02],gpu5"]
        )
        #expect(plan.launches.count == 1)
        let srun = try #require(plan.launches.first)
        #expect(srun.program == "srun")
        #expect(srun.hosts == ["node01", "node02", "gpu5"])
        #expect(srun.secretInEnvironment && !srun.secretOnStandardInput)
        #expect(srun.arguments == [
            "--nodes=3", "--ntasks=3", "--ntasks-per-node=1", "--cpu-bind=none", "--kill-on-bad-exit=0",
            "--job-name=tractor-agents", "--partition=debug",
            "/opt/pool-worker", "serve", "--connect", "10.0.0.1:7000", "--connect-timeout", "90000ms",
        ])
        // SLURM_NODELIST, the older name, serves when the newer one is missing.
        let older = try AgentLauncher.slurm().plan(
            agent: "pool-worker", head: "h:1", connectTimeout: .seconds(1), environment: ["SLURM_NODELIST": "a,b"]
        )
        #expect(older.launches.first?.hosts == ["a", "b"])
    }

    @Test func slurmOutsideAnAllocationOrWithABadListSaysSo() {
        #expect {
            try AgentLauncher.slurm().plan(agent: "w", head: "h:1", connectTimeout: .seconds(1), environment: [:])
        } throws: { error in
            (error as? TractorError)?.code == .invalidArgument && "\(error)".contains("SLURM_JOB_NODELIST")
        }
        #expect {
            try AgentLauncher.slurm().plan(
                agent: "w", head: "h:1", connectTimeout: .seconds(1), environment: ["SLURM_JOB_NODELIST": "n[2-1]"]
            )
        } throws: { error in
            (error as? TractorError)?.cause is HostlistError
        }
    }

    @Test func sshStartsOneAgentPerHostWithTheSecretOnStandardInputAndTheCommandQuoted() throws {
        let plan = try AgentLauncher.ssh(hosts: ["alice@node-1", "node-2"], options: ["-p", "2222"]).plan(
            agent: "/opt/my tools/pool-worker", head: "[fd00::1]:7000", connectTimeout: .milliseconds(1500),
            environment: [:]
        )
        #expect(plan.launches.map(\.hosts) == [["node-1"], ["node-2"]])
        let first = try #require(plan.launches.first)
        #expect(first.secretOnStandardInput && !first.secretInEnvironment)
        #expect(first.arguments == [
            "-o", "BatchMode=yes", "-T", "-p", "2222", "alice@node-1", "--",
            "'/opt/my tools/pool-worker' serve --connect '[fd00::1]:7000' --connect-timeout 1500ms --secret-stdin "
                + "--name node-1",
        ])
        #expect(plan.commandLine.split(separator: "\n").count == 2)
        #expect(AgentLauncher.shellQuoted("it's") == #"'it'\''s'"#)
        #expect(AgentLauncher.shellQuoted("") == "''")
        #expect(throws: TractorError.self) {
            try AgentLauncher.ssh(hosts: []).plan(agent: "w", head: "h:1", connectTimeout: .seconds(1), environment: [:])
        }
    }

    @Test func byHandStartsNothingAndPrintsALineWithoutTheSecret() throws {
        let plan = try AgentLauncher.byHand.plan(
            agent: "pool-worker", head: "head:7000", connectTimeout: .seconds(30), environment: [:]
        )
        #expect(plan.launches.isEmpty)
        #expect(plan.commandLine
            == "TRACTOR_SECRET=<the run's secret> pool-worker serve --connect head:7000 --connect-timeout 30000ms")
        #expect("\(AgentLauncher.byHand)" == "by hand")
    }

    @Test func theHeadAddressFillsInThePortAndBracketsIPv6() throws {
        let wildcard = try #require(try sys_getaddrinfo(host: "0.0.0.0", port: 7000, numericOnly: true, passive: true).get().first)
        let bound = try #require(try sys_getaddrinfo(host: "10.1.2.3", port: 7000, numericOnly: true, passive: false).get().first)
        #expect(LaunchedAgents.headAddress("10.0.0.9", listening: wildcard) == "10.0.0.9:7000")
        #expect(LaunchedAgents.headAddress("head:8000", listening: wildcard) == "head:8000")
        #expect(LaunchedAgents.headAddress("fd00::1", listening: wildcard) == "[fd00::1]:7000")
        #expect(LaunchedAgents.headAddress("[fd00::1]", listening: wildcard) == "[fd00::1]:7000")
        #expect(LaunchedAgents.headAddress(nil, listening: bound) == "10.1.2.3:7000")
        #expect(LaunchedAgents.headAddress(nil, listening: wildcard).hasSuffix(":7000"))
        #expect(LaunchedAgents.headAddress(nil, listening: wildcard) != "0.0.0.0:7000")
    }
}
