//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

/// The `primes` example, built with the tests and run as a person would run it.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PrimesExampleTests {
    static let sceneLines = [
        "112272535095293 is prime: true",
        "112582705942171 is prime: true",
        "112272535095293 is prime: true",
        "115280095190773 is prime: true",
        "115797848077099 is prime: true",
        "1099726899285419 is prime: false",
    ]

    @Test func theScenePrintsSixLinesInInputOrderThenTheBindingsReport() async throws {
        let primes = try CommandRunner.executable("primes")
        let outcome = try await CommandRunner.run(primes, [])
        #expect(outcome.exited && outcome.status == 0, "primes failed: \(outcome.error)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        try #require(lines.count > Self.sceneLines.count, "output:\n\(outcome.output)")
        #expect(Array(lines.prefix(6)) == Self.sceneLines)
        let workers = try BindingReportLines.check(Array(lines.dropFirst(6)), placement: .perCore)
        // Every worker has exited, and none is left behind.
        #expect(workers.allSatisfy { !PoolTesting.isAlive($0) })
        #expect(CommandRunner.actors(running: primes).isEmpty)
    }

    @Test func countingBelowAMillionFinds78498() async throws {
        let outcome = try await CommandRunner.run(try CommandRunner.executable("primes"), ["--below", "1000000"])
        #expect(outcome.exited && outcome.status == 0, "primes failed: \(outcome.error)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "primes below 1000000: 78498")
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("elapsed: ") == true)
        // Not a terminal: no progress bar anywhere.
        #expect(!outcome.output.contains("\r") && !outcome.error.contains("\r"))
        #expect(!outcome.output.contains("ETA") && !outcome.error.contains("ETA"))
    }

    @Test func workersPlacementAndChunkSizeAreHonoured() async throws {
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable("primes"),
            ["--below", "100000", "--workers", "1", "--placement", "none", "--chunk-size", "1000"]
        )
        #expect(outcome.exited && outcome.status == 0, "primes failed: \(outcome.error)")
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "primes below 100000: 9592")
        #expect(lines.last?.hasSuffix("(1 worker, none, 100 ranges of 1000 numbers)") == true, "\(lines)")

        let pinned = try await CommandRunner.run(
            try CommandRunner.executable("primes"),
            ["--below", "1000", "--workers", "1", "--placement", "per-pu"]
        )
        #expect(pinned.outputLines.first == "primes below 1000: 168")
        #expect(pinned.output.contains("(1 worker, per-pu, 1 range of 1000 numbers)"), "\(pinned.output)")
    }

    @Test func onATerminalAProgressBarShowsTheRateAndTheTimeLeft() async throws {
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable("primes"),
            ["--below", "3000000", "--chunk-size", "20000"],
            onATerminal: true
        )
        #expect(outcome.exited && outcome.status == 0)
        #expect(outcome.outputLines.first == "primes below 3000000: 216816")
        // Standard error is the terminal: the bar is redrawn in place, with its rate and its estimate.
        #expect(outcome.terminal.contains("\r["), "terminal:\n\(outcome.terminal)")
        #expect(outcome.terminal.contains("/150"))
        #expect(outcome.terminal.contains("numbers/s"))
        #expect(outcome.terminal.contains("ETA "))
        // …and erased at the end, so that nothing is left on the line.
        #expect(outcome.terminal.hasSuffix("\r\u{1B}[K"))
    }

    @Test(arguments: [
        (["--workers", "0"], "--workers must be at least 1, not 0."),
        (["--below=-5"], "--below must be 0 or more, not -5."),
        // A negative number after its option is that option's value, not an unknown option.
        (["--below", "-5"], "--below must be 0 or more, not -5."),
        (["--below", "10", "--chunk-size", "-3"], "--chunk-size must be at least 1, not -3."),
        (["--workers", "-2"], "--workers must be at least 1, not -2."),
        (["--placement", "perCore"], "The value 'perCore' is invalid for '--placement <placement>'. Please provide one of 'per-core', 'per-numa-node', 'per-pu' or 'none'"),
        (["--below", "10", "--chunk-size", "0"], "--chunk-size must be at least 1, not 0."),
        (["--chunk-size", "10"], "--chunk-size applies to counting: give --below <n> too."),
        (["--placement", "everywhere"], "The value 'everywhere' is invalid for '--placement <placement>'"),
        (["--below", "ten"], "The value 'ten' is invalid for '--below <n>'"),
        (["--below", "10", "--workers", "100000", "--placement", "per-core"], "--workers 100000 is more than the"),
    ])
    func badArgumentsAreUsageErrors(arguments: [String], message: String) async throws {
        let outcome = try await CommandRunner.run(try CommandRunner.executable("primes"), arguments)
        #expect(outcome.exited && outcome.status == 64, "exit status \(outcome.status)")
        #expect(outcome.error.contains("Error: \(message)"), "standard error:\n\(outcome.error)")
        #expect(outcome.error.contains("Usage: primes"))
        #expect(outcome.output.isEmpty)
    }

    @Test func ctrlCStopsThePoolAndLeavesNoProcess() async throws {
        // primes's workers would die with it even if it never stopped them (PR_SET_PDEATHSIG), so that none is left
        // afterwards proves little. What is promised is that primes itself stops its workers and reaps them before
        // it exits. So primes runs below a child subreaper (`tractor-test-worker adopt-orphans`): when a process
        // exits, the kernel hands each child it has not reaped (alive or zombie) to the nearest subreaper before it
        // reports the exit, so the children of the subreaper at the moment primes's status arrives are exactly the
        // workers primes left behind. That holds however slow the machine: there is no race to win.
        let path = try CommandRunner.executable("primes")
        let adopter = try CommandRunner.executable("tractor-test-worker")
        let report = PoolTesting.temporaryDirectory() + "/adopted"
        let workerCount = Placement.perCore.plan(for: try Topology.current()).workers.count
        let run = try CommandRunner.Running(adopter, ["adopt-orphans", report, path, "--below", "50000000"])
        var primesPID: Int32 = 0
        // Running for real: every worker is up and has spent a quarter of a second of CPU time counting (far more
        // than starting takes).
        let running = await CommandRunner.eventually(within: .seconds(60)) {
            guard let primes = CommandRunner.children(of: run.pid).first else { return false }
            primesPID = primes
            let workers = CommandRunner.children(of: primes)
            return workers.count == workerCount && workers.allSatisfy { CommandRunner.cpuTicks(of: $0) >= 25 }
        }
        let workers = CommandRunner.children(of: primesPID)
        try #require(running, "the workers did not start: \(workers)")
        // The example imports no Foundation: its workers load neither it nor ICU.
        typealias Libraries = PoolSpawningTests.WorkerLibrariesTests
        for worker in workers {
            let foundation = try Libraries.mappedFiles(of: worker).filter(Libraries.isFoundationOrICU)
            #expect(foundation.isEmpty, "a primes worker maps \(foundation.sorted())")
        }

        let interrupted = ContinuousClock.now
        kill(primesPID, SIGINT)
        let outcome = try await run.waitForExit(timeout: .seconds(60))
        #expect(ContinuousClock.now - interrupted < .seconds(20))
        // primes's own exit, passed on by the adopter.
        #expect(outcome.exited)
        #expect(outcome.status == 130, "primes was killed by the signal instead of handling it, or failed")
        #expect(outcome.error.contains("primes: interrupted"), "standard error:\n\(outcome.error)")
        #expect(!outcome.output.contains("primes below"))
        // primes had reaped every worker when it exited: none was handed to the subreaper.
        let adopted = (try? String(contentsOfFile: report, encoding: .utf8)) ?? "no report"
        #expect(adopted == "adopted: none\n", "workers primes left behind when it exited:\n\(adopted)")
        // And no process is left now: not a worker, wherever it may have been reparented.
        #expect(workers.allSatisfy { !PoolTesting.isAlive($0) }, "workers left: \(workers.filter(PoolTesting.isAlive))")
        #expect(CommandRunner.actors(running: path).isEmpty)
    }
}

/// Checks of `pool.bindingReport` as the examples print it.
enum BindingReportLines {
    /// Checks that `lines` are one report line per worker of `placement` on this machine, in worker order, each
    /// naming this host, a distinct pid and the CPUs the plan gives the worker; returns the workers' pids.
    static func check(
        _ lines: [String],
        placement: Placement,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [Int32] {
        let topology = try Topology.current()
        let plan = placement.plan(for: topology)
        #expect(
            lines.count == plan.workers.count,
            "report:\n\(lines.joined(separator: "\n"))",
            sourceLocation: sourceLocation
        )
        var pids: [Int32] = []
        for (line, worker) in zip(lines, plan.workers) {
            let prefix = "[\(topology.hostname):"
            let marker = "] worker \(worker.index) bound to "
            guard line.hasPrefix(prefix), let end = line.range(of: marker) else {
                Issue.record("not a report line for worker \(worker.index): \(line)", sourceLocation: sourceLocation)
                continue
            }
            pids.append(Int32(line[line.index(line.startIndex, offsetBy: prefix.count)..<end.lowerBound]) ?? -1)
            if let cpus = worker.cpus {
                #expect(
                    line.contains("[PU \(cpus)]"),
                    "\(line) is not bound to \(cpus)",
                    sourceLocation: sourceLocation
                )
            }
        }
        #expect(Set(pids).count == lines.count && !pids.contains(-1), "pids: \(pids)", sourceLocation: sourceLocation)
        return pids
    }
}
