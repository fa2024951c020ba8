//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import Glibc
import PoolWorkerJobs
import TractorPool

/// The generic worker executable and command-line tool.
///
/// Started by a pool (the `TRACTOR_SPAWN` marker is set), it serves the built-in jobs and never returns; its
/// arguments are not parsed. Started by a person, it is a command-line tool.
@main
enum PoolWorkerMain {
    static func main() async {
        if !Tractor.isRoot {
            do {
                try await Tractor.bootstrap(jobs: BuiltinJobs.all)
            } catch {
                var message = "pool-worker: cannot serve: \(error)\n"
                message.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
                exit(70)
            }
        }
        await PoolWorker.main()
    }
}

/// The command-line tool.
struct PoolWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-worker",
        abstract: "The Tractor pool's generic worker executable and tools.",
        discussion: """
            Started by a process pool (ProcessPoolConfiguration.executable = .path(".../pool-worker")), it is a \
            worker: it binds itself where the pool placed it and serves the built-in jobs (no-op, echo, sleep, \
            spin, count-primes, crash-by-signal, exit-with-status and more; see `pool-worker jobs`), and its \
            arguments are not read. Started by a person, it shows the machine as the pool sees it.

            Examples:
              pool-worker topology
              pool-worker topology --json
              pool-worker report-bindings --placement per-numa-node
              pool-worker jobs
              TRACTOR_SECRET=... pool-worker serve --connect head:7000
            """,
        version: "0.1.0",
        subcommands: [
            TopologyCommand.self, ReportBindingsCommand.self, JobsCommand.self, BindingCheckCommand.self, ServeCommand.self,
        ]
    )
}
