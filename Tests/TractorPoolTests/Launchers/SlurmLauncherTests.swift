//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestSupport

/// Host agents launched by `srun` from an `sbatch -N2` job, on a Slurm cluster whose two nodes are network namespaces.
@Suite(.serialized, .enabled(if: SlurmCluster.unavailableReason == nil, "\(SlurmCluster.unavailableReason ?? "")"))
struct SlurmLauncherTests {
    /// The job's head: listens on its node's address, starts one agent per node with `srun`, an actor on each host,
    /// and prints what each answers. (The one line to change for another head, such as the primes example.)
    static func jobScript(hold: Bool) throws -> String {
        let head = try CommandRunner.executable("tractor-launch-head")
        let agent = try CommandRunner.executable("pool-worker")
        let actor = try CommandRunner.executable("tractor-test-worker")
        return """
            #!/bin/bash
            exec \(head) --launcher slurm --listen "$(hostname -I | cut -d' ' -f1):0" --agent \(agent) \
            --actor \(actor)\(hold ? " --hold" : "")

            """
    }

    /// The primes example as a Slurm job: the head binds its port, then srun starts one agent per node.
    static func primesScript(below: Int) throws -> String {
        let primes = try CommandRunner.executable("primes")
        let directory = (primes as NSString).deletingLastPathComponent
        return """
            #!/bin/bash
            export PATH=\(directory):$PATH
            exec primes --below \(below) --listen "$(hostname -I | cut -d' ' -f1):0" --hosts "$SLURM_JOB_NUM_NODES" \\
                --launch slurm

            """
    }

    @Test(.timeLimit(.minutes(5)))
    func anSbatchJobStartsOneAgentPerNodeAndScancelLeavesNothingOnAnyHost() async throws {
        let network = try TestNetwork.fresh(hosts: 2)
        defer { network.remove() }
        let cluster = try SlurmCluster(network: network)
        defer { cluster.stop() }
        #expect(cluster.multipleSlurmd, "scontrol show config does not say MULTIPLE_SLURMD = Yes")
        var environment = cluster.environment
        environment[TractorSecret.environmentVariable] = TractorSecret.random().hexEncoded()

        // A job run to its end: one agent per node, one actor on each, and nothing left once it is over.
        let script = cluster.directory + "/job.sh"
        try Self.jobScript(hold: false).write(toFile: script, atomically: true, encoding: .utf8)
        let output = cluster.directory + "/job.out"
        try SlurmCluster.run(
            "/usr/bin/sbatch", ["--wait", "-N2", "-o", output, "-D", cluster.directory, script],
            environment: environment
        )
        let printed = try String(contentsOfFile: output, encoding: .utf8)
        #expect(printed.contains("hosts: 2 \(cluster.nodes.joined(separator: ","))"), "\(printed)")
        for node in cluster.nodes { #expect(printed.contains("answer from \(node): hello \(node)"), "\(printed)") }
        #expect(printed.contains("done"), "\(printed)")

        // The primes example across the two nodes: the count is right, and nothing is left.
        let primes = cluster.directory + "/primes.sh"
        try Self.primesScript(below: 20_000_000).write(toFile: primes, atomically: true, encoding: .utf8)
        let counted = cluster.directory + "/primes.out"
        try SlurmCluster.run(
            "/usr/bin/sbatch", ["--wait", "-N2", "-o", counted, "-D", cluster.directory, primes], environment: environment
        )
        let count = try String(contentsOfFile: counted, encoding: .utf8)
        #expect(count.contains("primes below 20000000: 1270607"), "\(count)")
        #expect(count.contains("hosts joined: \(cluster.nodes.joined(separator: ", "))"), "\(count)")
        let slurmdsOnly = Set(cluster.slurmdProcessIDs)
        for host in network.namespaces.indices {
            let emptied = await CommandRunner.eventually(within: .seconds(60)) {
                network.processes(inHost: host).allSatisfy { slurmdsOnly.contains($0) }
            }
            #expect(emptied, "left on host \(host) after primes")
        }

        // A job that holds its actors, cancelled: scancel leaves no process on any host but its slurmd.
        let holding = cluster.directory + "/hold.sh"
        try Self.jobScript(hold: true).write(toFile: holding, atomically: true, encoding: .utf8)
        let held = cluster.directory + "/hold.out"
        let job = try SlurmCluster.run(
            "/usr/bin/sbatch", ["--parsable", "-N2", "-o", held, "-D", cluster.directory, holding],
            environment: environment
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let started = await CommandRunner.eventually(within: .seconds(120)) {
            ((try? String(contentsOfFile: held, encoding: .utf8)) ?? "").contains("holding")
        }
        let heldOutput = (try? String(contentsOfFile: held, encoding: .utf8)) ?? ""
        #expect(started, "\(heldOutput)")
        let slurmds = Set(cluster.slurmdProcessIDs)
        for host in network.namespaces.indices {
            // Its slurmd, a step daemon, the agent and its actor at least.
            #expect(network.processes(inHost: host).filter { !slurmds.contains($0) }.count >= 3)
        }
        try SlurmCluster.run("/usr/bin/scancel", [job], environment: environment)
        for host in network.namespaces.indices {
            let emptied = await CommandRunner.eventually(within: .seconds(60)) {
                network.processes(inHost: host).allSatisfy { slurmds.contains($0) }
            }
            let left = network.processes(inHost: host).filter { !slurmds.contains($0) }
            #expect(emptied, "left on host \(host): \(left.map(ProcessInspection.describe))")
        }
        // The controller hears of the end last (the job is `CG`, completing, meanwhile).
        let drained = await CommandRunner.eventually(within: .seconds(60)) {
            let queue = try? SlurmCluster.run("/usr/bin/squeue", ["-h"], environment: environment)
            return queue?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true
        }
        #expect(drained, "the job is still in the queue")
    }
}
