//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

/// `pool-worker`'s subcommands as a person types them, right and wrong: the same spelling of placements as
/// `primes`, errors that name the option and its rule, and the subcommand's own usage after an error.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PoolWorkerCommandTests {
    @Test(arguments: [
        (["--placement", "0"], "The value '0' is invalid for '--placement <placement>'"),
        (["--placement", "perNUMANode"], "The value 'perNUMANode' is invalid for '--placement <placement>'. Please provide one of 'per-core', 'per-numa-node', 'per-pu' or 'none'"),
        (["--workers", "0"], "--workers must be at least 1, not 0."),
        (["--workers", "-3"], "--workers must be at least 1, not -3."),
    ])
    func badReportBindingsArgumentsShowTheSubcommandsUsage(arguments: [String], message: String) async throws {
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable("pool-worker"),
            ["report-bindings"] + arguments
        )
        #expect(outcome.exited && outcome.status == 64, "exit status \(outcome.status)")
        #expect(outcome.error.contains("Error: \(message)"), "standard error:\n\(outcome.error)")
        #expect(outcome.error.contains("Usage: pool-worker report-bindings"), "standard error:\n\(outcome.error)")
        #expect(outcome.output.isEmpty)
    }

    @Test func moreWorkersThanPinnedSlotsSaysWhatToAdd() async throws {
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable("pool-worker"),
            ["report-bindings", "--placement", "per-core", "--workers", "100000"]
        )
        #expect(outcome.exited && outcome.status == 64, "exit status \(outcome.status)")
        #expect(outcome.error.contains("--workers 100000 is more than the"), "standard error:\n\(outcome.error)")
        #expect(outcome.error.contains("add --placement none"), "standard error:\n\(outcome.error)")
        #expect(outcome.output.isEmpty)
    }

    @Test func unboundWorkersAreCountedWithWorkersAndWarnedAboutOnce() async throws {
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        let count = cpus + 1
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable("pool-worker"),
            ["report-bindings", "--placement", "none", "--workers", "\(count)"]
        )
        #expect(outcome.exited && outcome.status == 0, "standard error:\n\(outcome.error)")
        let reportLines = outcome.outputLines.filter { $0.contains("not bound") }
        #expect(reportLines.count == count, "output:\n\(outcome.output)")
        // Oversubscribed: said once, by the pool's log, and not again in the report.
        let everything = outcome.output + outcome.error
        #expect(everything.components(separatedBy: "oversubscribe").count - 1 == 1, "\(everything)")
    }

    @Test func topologyNamesPlacementsAsTheCommandLinesSpellThem() async throws {
        let outcome = try await CommandRunner.run(try CommandRunner.executable("pool-worker"), ["topology"])
        #expect(outcome.exited && outcome.status == 0)
        for name in ["per-core", "per-numa-node", "per-pu"] {
            #expect(outcome.output.contains(name), "no \(name) in:\n\(outcome.output)")
        }
        #expect(!outcome.output.contains("perCore"))
    }
}
