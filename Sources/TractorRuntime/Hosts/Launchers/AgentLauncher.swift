//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How a head starts its host agents (`pool-worker serve --connect HOST:PORT`): with the cluster's own launcher.
///
/// - ``slurm(srun:arguments:)``: from inside an allocation (`sbatch`, `salloc`), one agent per node with
///   `srun --ntasks-per-node=1 --cpu-bind=none --kill-on-bad-exit=0`; the node list is `SLURM_JOB_NODELIST`, expanded
///   here (``Hostlist``), and each agent joins under its Slurm node name. The secret reaches the agents in their
///   environment, which `srun` carries to every task; `scancel` or the end of the allocation ends them.
/// - ``ssh(hosts:ssh:options:)``: one `ssh HOST pool-worker serve --connect … --secret-stdin --name HOST` per host; the
///   secret is written to the agent's standard input, and the end of that input (the `ssh` client gone) ends it.
/// - ``byHand``: starts nothing, and prints the command line to run on each host (or to give a container scheduler),
///   with the secret in the agent's environment as `TRACTOR_SECRET`.
///
/// ```swift
/// try await Tractor.listenForAgents(on: "0.0.0.0:0")
/// try await Tractor.withAgents(launchedBy: .slurm()) { agents in
///     let hosts = try await agents.waitForHosts()
///     try await withActorNursery { nursery in
///         for host in hosts { _ = try await nursery.startActor("worker-\(host)", on: host) }
///     }
/// }
/// ```
public struct AgentLauncher: Sendable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case slurm(srun: String, arguments: [String])
        case ssh(hosts: [String], ssh: String, options: [String])
        case byHand
    }

    let kind: Kind

    /// One agent per node of the Slurm allocation this process runs in, started by `srun`.
    ///
    /// ```swift
    /// try await Tractor.withAgents(launchedBy: .slurm(arguments: ["--partition=debug"])) { agents in ... }
    /// ```
    ///
    /// - Parameters:
    ///   - srun: The `srun` program, a path or a name looked up in `PATH`. Default `srun`.
    ///   - arguments: More `srun` options, placed before the agent's command.
    public static func slurm(srun: String = "srun", arguments: [String] = []) -> AgentLauncher {
        AgentLauncher(kind: .slurm(srun: srun, arguments: arguments))
    }

    /// One agent per host, started over `ssh`, the secret on its standard input.
    ///
    /// ```swift
    /// try await Tractor.withAgents(launchedBy: .ssh(hosts: ["node-1", "alice@node-2"])) { agents in ... }
    /// ```
    ///
    /// - Parameters:
    ///   - hosts: The `ssh` destinations; each agent joins under the destination's host part (after any `user@`).
    ///   - ssh: The `ssh` program, a path or a name looked up in `PATH`. Default `ssh`.
    ///   - options: More `ssh` options, placed before the destination. `-o BatchMode=yes` (never ask for a password)
    ///     and `-T` (no terminal) are always given.
    public static func ssh(hosts: [String], ssh: String = "ssh", options: [String] = []) -> AgentLauncher {
        AgentLauncher(kind: .ssh(hosts: hosts, ssh: ssh, options: options))
    }

    /// Starts nothing: prints the command line that starts an agent, for a person or a container scheduler to run on
    /// each host with the run's secret in `TRACTOR_SECRET`.
    ///
    /// ```swift
    /// try await Tractor.withAgents(launchedBy: .byHand) { agents in _ = try await agents.waitForHosts(4) }
    /// ```
    public static var byHand: AgentLauncher { AgentLauncher(kind: .byHand) }

    /// `slurm`, `ssh to node-1, node-2` or `by hand`.
    public var description: String {
        switch kind {
        case .slurm: "slurm"
        case .ssh(let hosts, _, _): "ssh to \(hosts.joined(separator: ", "))"
        case .byHand: "by hand"
        }
    }
}

/// One process a launcher starts, worked out before anything starts.
struct AgentLaunch: Sendable, Hashable {
    /// The program: a name looked up in `PATH`, or a path.
    var program: String
    /// Its arguments after `argv[0]`.
    var arguments: [String]
    /// The names the agents it starts join under.
    var hosts: [String]
    /// Whether the secret goes in the launcher's environment (`srun` carries it to the agents).
    var secretInEnvironment: Bool
    /// Whether the secret is written to its standard input, which then stays open as the agent's lifeline.
    var secretOnStandardInput: Bool
}

extension AgentLauncher {
    /// The environment variable that holds Slurm's compressed node list of the allocation.
    static let nodeListVariables = ["SLURM_JOB_NODELIST", "SLURM_NODELIST"]

    /// The processes to start so that agents join the head at `head`, and the command line ``byHand`` prints.
    ///
    /// - Parameters:
    ///   - agent: The agent program on the hosts (`pool-worker`, or its path there).
    ///   - head: `HOST:PORT` as the agents reach the head.
    ///   - connectTimeout: How long each agent keeps trying to reach the head.
    ///   - environment: This process's environment (where ``slurm(srun:arguments:)`` finds the node list).
    /// - Throws: ``TractorError`` `.invalidArgument` outside a Slurm allocation, for an unreadable node list, or for
    ///   an empty host list.
    func plan(
        agent: String, head: String, connectTimeout: Duration, environment: [String: String]
    ) throws(TractorError) -> (launches: [AgentLaunch], commandLine: String) {
        let milliseconds = connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000
        let serve = [agent, "serve", "--connect", head, "--connect-timeout", "\(milliseconds)ms"]
        switch kind {
        case .byHand:
            let line = "\(TractorSecret.environmentVariable)=<the run's secret> " + serve.map(Self.shellQuoted).joined(separator: " ")
            return ([], line)
        case .slurm(let srun, let extra):
            guard let list = Self.nodeListVariables.lazy.compactMap({ environment[$0] }).first else {
                throw TractorError(
                    .invalidArgument,
                    "the Slurm launcher runs inside an allocation, and SLURM_JOB_NODELIST is not set: submit the head "
                        + "with sbatch, or run it under salloc"
                )
            }
            let nodes: [String]
            do throws(HostlistError) {
                nodes = try Hostlist.expand(list)
            } catch {
                throw TractorError(.invalidArgument, "cannot read the allocation's node list: \(error)", cause: error)
            }
            guard !nodes.isEmpty else { throw TractorError(.invalidArgument, "the allocation's node list is empty") }
            let arguments =
                [
                    "--nodes=\(nodes.count)", "--ntasks=\(nodes.count)", "--ntasks-per-node=1", "--cpu-bind=none",
                    "--kill-on-bad-exit=0", "--job-name=tractor-agents",
                ] + extra + serve
            let launch = AgentLaunch(
                program: srun, arguments: arguments, hosts: nodes, secretInEnvironment: true,
                secretOnStandardInput: false
            )
            return ([launch], ([srun] + arguments).map(Self.shellQuoted).joined(separator: " "))
        case .ssh(let hosts, let ssh, let options):
            guard !hosts.isEmpty else { throw TractorError(.invalidArgument, "the ssh launcher needs at least one host") }
            let launches = hosts.map { destination in
                let name = String(destination.split(separator: "@").last ?? Substring(destination))
                let remote = (serve + ["--secret-stdin", "--name", name]).map(Self.shellQuoted).joined(separator: " ")
                return AgentLaunch(
                    program: ssh, arguments: ["-o", "BatchMode=yes", "-T"] + options + [destination, "--", remote],
                    hosts: [name], secretInEnvironment: false, secretOnStandardInput: true
                )
            }
            let line = launches.map { ([$0.program] + $0.arguments).map(Self.shellQuoted).joined(separator: " ") }
            return (launches, line.joined(separator: "\n"))
        }
    }

    /// `text` as one word of a POSIX shell: as is when it is plainly safe, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "-_./:=@,+%".utf8.contains(byte)
        }
        if safe && !text.isEmpty { return text }
        return "'" + text.replacing("'", with: "'\\''") + "'"
    }
}
