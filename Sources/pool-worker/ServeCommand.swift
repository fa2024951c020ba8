//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import Glibc
import TractorCommandLine
import TractorPool
import TractorRuntime

/// `pool-worker serve --connect HOST:PORT`: a host agent that joins a head and starts actors on this host for it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Join a head as this host's agent and start actors here on its request.",
        discussion: """
            Connects to the head over TCP, authenticates with the run's secret (from TRACTOR_SECRET, \
            --secret-file or, with --secret-stdin, the first line of standard input; never on the command line), reports this host's name and topology (within the CPUs \
            this process may use, as `pool-worker topology --json` shows it), and starts actors beneath itself \
            when the head asks. It retries the connection until --connect-timeout, then exits with status 1. \
            When the head's connection closes, it cancels every actor it started (cancel, SIGTERM, SIGKILL) and \
            exits; when the head is lost (no heartbeat for the head's silence limit, 5 s by default, or a failed \
            connection), it does the same and exits with status 1. With --secret-stdin, the end of standard input \
            ends it too: started over ssh, the agent ends with its ssh client. Under srun, it joins under the Slurm \
            node name (SLURMD_NODENAME) unless --name says otherwise.

            Examples:
              pool-worker serve --connect head:7000 --secret-file ~/.tractor-secret
              pool-worker serve --connect 10.0.0.1:7000 --name node-2 --connect-timeout 2m
              ssh node-2 pool-worker serve --connect head:7000 --secret-stdin < secret
              srun --ntasks-per-node=1 pool-worker serve --connect head:7000
            """
    )

    @Option(name: .customLong("connect"), help: "The head's address, HOST:PORT or [IPV6]:PORT.")
    var head: String

    @Option(help: "This host's name for placements (default: SLURMD_NODENAME under srun, else the host name; the head makes a default name unique: node, node-2).")
    var name: String?

    @Option(help: "The address to report to the head as this host's (default: none).")
    var advertise: String?

    @Option(help: "How long to keep trying to reach the head: 30, 30s, 500ms or 2m (default 30s).")
    var connectTimeout: String = "30s"

    @Option(help: "A file holding the run's secret (64 hexadecimal digits); default: TRACTOR_SECRET.")
    var secretFile: String?

    @Flag(help: "Read the run's secret from the first line of standard input, and exit when that input ends.")
    var secretStdin = false

    func validate() throws {
        if secretStdin && secretFile != nil {
            throw ValidationError("--secret-stdin and --secret-file each give the secret: use one")
        }
        guard ServeCommand.duration(connectTimeout) != nil else {
            throw ValidationError("--connect-timeout '\(connectTimeout)' is not a duration such as 30, 30s, 500ms or 2m")
        }
    }

    func run() async throws {
        do {
            let lifeline = secretStdin ? try await StandardInputLifeline.start() : nil
            let secret = try lifeline?.secret ?? TractorSecret.load(file: secretFile)
            let topology = try Topology.current()
            let json = try JSONOutputEncoder().encode(TopologyReport(topology, placements: TopologyCommand.placements))
            let slurmNode = getenv("SLURMD_NODENAME").map { String(cString: $0) }
            var configuration = HostAgentConfiguration(
                head: head, name: name ?? slurmNode ?? topology.hostname, topologyJSON: json
            )
            configuration.topology = try topology.encodedForHostAgent()
            configuration.nameIsDefault = name == nil
            configuration.advertisedAddress = advertise
            configuration.connectTimeout = ServeCommand.duration(connectTimeout) ?? .seconds(30)
            let agent = configuration
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await ActorRuntime.shared.serveAsHostAgent(agent, secret: secret) }
                if let lifeline {
                    // The second lifeline: its end cancels the agent, which tears down its actors and returns.
                    group.addTask { await lifeline.waitForEnd() }
                }
                do {
                    try await group.next()
                } catch is CancellationError where lifeline?.hasEnded == true {}
                group.cancelAll()
                do {
                    while try await group.next() != nil {}
                } catch is CancellationError where lifeline?.hasEnded == true {}
            }
        } catch {
            var message = "pool-worker serve: \(error)\n"
            message.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
            throw ExitCode(1)
        }
    }

    /// `30`, `30s`, `500ms`, `2m` as a duration; `nil` for anything else.
    static func duration(_ text: String) -> Duration? {
        let units: [(suffix: String, make: (Int) -> Duration)] = [
            ("ms", { .milliseconds($0) }), ("s", { .seconds($0) }), ("m", { .seconds($0 * 60) }), ("", { .seconds($0) }),
        ]
        for (suffix, make) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)), value >= 0 { return make(value) }
        }
        return nil
    }
}
