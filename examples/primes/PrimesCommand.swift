//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import Glibc
import TractorCommandLine
import TractorPool

/// The `primes` command line: the six-number scene by default, or `--below N` to count primes.
struct PrimesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primes",
        abstract: "Check numbers for primality, or count primes, on a process pool with pinned workers.",
        usage: """
            primes [--workers <k>] [--placement <placement>]
            primes --below <n> [--workers <k>] [--placement <placement>] [--chunk-size <c>]
            primes --below <n> --listen <addr:port> --hosts <k> [--launch <launcher>] [--include-local]
            """,
        discussion: """
            Without --below, runs the scene of Python's concurrent.futures documentation: whether each of six large \
            numbers is prime, checked on a pool with one worker process per physical core (this program, \
            re-executed and pinned to its core), printed in input order, then where each worker is bound, in the \
            style of Open MPI's --report-bindings.

            With --below N, counts the primes below N: [0, N) is cut into ranges, each counted by one job on the \
            pool, and the count is printed with the time it took. On a terminal, a progress bar on standard error \
            shows the rate and the time left. Ctrl-C cancels the pool: the running jobs are cancelled in their \
            workers, every worker is stopped and reaped, and primes exits with status 130.

            With --listen and --hosts K, primes is a head: it listens at ADDR:PORT for K host agents \
            (`pool-worker serve --connect ADDR:PORT`, started by hand, by ssh or by Slurm's srun), and runs its \
            workers on their hosts, by the placement on each (one per core by default), and on this machine too \
            with --include-local. Both sides hold the run's secret in TRACTOR_SECRET. The workers run this program \
            at the same path on every host. With --launch slurm (inside an allocation: one agent per node, by \
            srun) or --launch ssh:HOST,HOST (one agent per host, the secret on its standard input), primes starts \
            the agents itself once its port is bound, and stops them at the end.

            Examples:
              primes
              primes --below 10000000
              primes --below 100000000 --placement per-pu --chunk-size 250000
              primes --below 1000000 --placement per-numa-node
              primes --below 1000000 --workers 8 --placement none
              taskset -c 0 primes --below 1000000   # one allowed CPU: one worker
              primes --below 20000000 --listen 10.0.0.1:7000 --hosts 2
              primes --below 20000000 --listen 0.0.0.0:0 --hosts 2 --launch slurm
            """
    )

    /// The six numbers of the concurrent.futures scene.
    static let sceneNumbers = [
        112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_293,
        115_280_095_190_773, 115_797_848_077_099, 1_099_726_899_285_419,
    ]

    @Option(parsing: .unconditional, help: ArgumentHelp("Count the primes below this number (0 or more).", valueName: "n"))
    var below: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Run this many workers: the first k slots of a pinned placement, or k unbound workers with "
                + "--placement none. Default: one per slot of the placement.",
            valueName: "k"
        )
    )
    var workers: Int?

    @Option(help: PlacementOption.help)
    var placement: PlacementOption?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Numbers per job with --below: [0, n) is cut into ranges of this size. Default: about 64 ranges per "
                + "worker, and at least 1000 numbers each.",
            valueName: "c"
        )
    )
    var chunkSize: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Listen here for host agents (HOST:PORT; port 0 picks one, printed).", valueName: "addr:port")
    )
    var listen: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Wait for this many host agents, and run the workers on their hosts.", valueName: "k")
    )
    var hosts: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Start the host agents: slurm (srun, inside an allocation) or ssh:HOST,HOST. Default: they are started "
                + "by someone else.",
            valueName: "launcher"
        )
    )
    var launch: String?

    @Flag(help: "With --hosts, run workers on this machine as well.")
    var includeLocal = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("How long to wait for the hosts to join, in seconds. Default 120.", valueName: "s")
    )
    var hostTimeout: Int = 120

    func validate() throws {
        try CountCheck.atLeast(1, hosts, "--hosts")
        try CountCheck.atLeast(1, hostTimeout, "--host-timeout")
        if (listen == nil) != (hosts == nil) {
            throw ValidationError("--listen and --hosts go together: listen at ADDR:PORT for K host agents.")
        }
        if launch != nil, hosts == nil {
            throw ValidationError("--launch starts host agents: give --listen and --hosts too.")
        }
        if let launch, Self.launcher(launch) == nil {
            throw ValidationError("--launch '\(launch)' is neither slurm nor ssh:HOST[,HOST…].")
        }
        if includeLocal, hosts == nil {
            throw ValidationError("--include-local applies to a pool over hosts: give --listen and --hosts too.")
        }
        try CountCheck.atLeast(0, below, "--below")
        try CountCheck.atLeast(1, workers, "--workers")
        try CountCheck.atLeast(1, chunkSize, "--chunk-size")
        if chunkSize != nil, below == nil {
            throw ValidationError("--chunk-size applies to counting: give --below <n> too.")
        }
    }

    func run() async throws {
        let choice = placement ?? .default(workers: workers)
        let configuration = ProcessPoolConfiguration(placement: try choice.placement(workers: workers))
        let outcome: InterruptOutcome<CountReport?>
        if let listen, let hosts {
            let address = try await Tractor.listenForAgents(on: listen)
            writeToStandardError("primes: listening for \(hosts) host agents at \(address)\n")
            if let launcher = launch.flatMap(Self.launcher) {
                outcome = try await Tractor.withAgents(launchedBy: launcher) { agents in
                    writeToStandardError("primes: started the agents with: \(agents.commandLine)\n")
                    let joined = try await agents.waitForHosts(timeout: .seconds(hostTimeout))
                    return try await compute(on: joined, configuration)
                }
            } else {
                let joined = try await Tractor.waitForHosts(hosts, timeout: .seconds(hostTimeout))
                outcome = try await compute(on: joined, configuration)
            }
        } else {
            outcome = try await compute(on: nil, configuration)
        }
        switch outcome {
        case .finished(let report?):
            let workers = "\(report.workers) worker\(report.workers == 1 ? "" : "s")"
            let ranges = "\(report.ranges) range\(report.ranges == 1 ? "" : "s") of \(report.rangeSize) numbers"
            print("primes below \(report.limit): \(report.count)")
            print("elapsed: \(Self.seconds(report.elapsed)) s (\(workers), \(choice.rawValue), \(ranges))")
        case .finished(nil):
            break
        case .interrupted:
            writeToStandardError("primes: interrupted; every worker has been stopped\n")
            throw ExitCode(130)
        }
    }

    /// Counts, or checks the scene's numbers, on this machine (`hosts` nil) or on the hosts joined; Ctrl-C cancels.
    private func compute(
        on hosts: [String]?,
        _ configuration: ProcessPoolConfiguration
    ) async throws -> InterruptOutcome<CountReport?> {
        var configuration = configuration
        if let hosts {
            writeToStandardError("primes: hosts joined: \(hosts.joined(separator: ", "))\n")
            configuration.hosts = .joined(hosts, includingLocal: includeLocal)
        }
        let (below, chunkSize, configured) = (self.below, self.chunkSize, configuration)
        return try await withInterruptCancellation { () async throws -> CountReport? in
            if let below {
                return try await Self.countPrimes(below: below, rangeSize: chunkSize, configured)
            }
            try await Self.checkSceneNumbers(configured)
            return nil
        }
    }

    /// `slurm`, or `ssh:HOST,HOST`, as a launcher; `nil` for anything else.
    static func launcher(_ text: String) -> AgentLauncher? {
        if text == "slurm" { return .slurm() }
        guard text.hasPrefix("ssh:") else { return nil }
        let hosts = text.dropFirst(4).split(separator: ",").map(String.init)
        return hosts.isEmpty ? nil : .ssh(hosts: hosts)
    }

    /// The concurrent.futures scene: six lines in input order, then the bindings report.
    static func checkSceneNumbers(_ configuration: ProcessPoolConfiguration) async throws {
        try await withProcessPool(configuration: configuration) { pool in
            var index = 0
            for try await prime in pool.map(isPrimeJob, over: sceneNumbers) {
                print("\(sceneNumbers[index]) is prime: \(prime)")
                index += 1
            }
            print(try await pool.bindingReport)
        }
    }

    /// What `--below` found, and how.
    struct CountReport: Sendable {
        var limit: Int
        var count: Int
        var workers: Int
        var ranges: Int
        var rangeSize: Int
        var elapsed: Duration
    }

    /// Counts the primes below `limit` in ranges of `rangeSize` numbers, one job each.
    static func countPrimes(
        below limit: Int,
        rangeSize: Int?,
        _ configuration: ProcessPoolConfiguration
    ) async throws -> CountReport {
        let start = ContinuousClock.now
        return try await withProcessPool(configuration: configuration) { pool in
            let size = rangeSize ?? PrimeRanges.defaultSize(below: limit, workers: pool.workerCount)
            let ranges = PrimeRanges.split(below: limit, size: size)
            // The map waits for the bar to be erased before it ends.
            var count = 0
            let progress = ProgressBar.report(rangeSize: size)
            for try await primes in pool.mapUnordered(countPrimesJob, over: ranges, progress: progress) {
                count += primes
            }
            return CountReport(
                limit: limit,
                count: count,
                workers: pool.workerCount,
                ranges: ranges.count,
                rangeSize: size,
                elapsed: .now - start
            )
        }
    }

    /// `0.412`: seconds with three decimals.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        let fraction = String(milliseconds % 1_000)
        return "\(milliseconds / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
