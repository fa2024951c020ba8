//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import PoolWorkerJobs
import TractorCommandLine

/// `pool-worker jobs`: lists the built-in jobs a pool of `pool-worker`s can run.
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List the built-in jobs that pool-worker serves.",
        discussion: """
            Prints the name of each job a pool of pool-worker processes can run, with its input and what it does. \
            A program names them through the PoolWorkerJobs library (BuiltinJobs.countPrimes, …), and its pool \
            runs pool-worker instead of re-executing itself.

            Examples:
              pool-worker jobs
              pool-worker jobs --json
            """
    )

    @Flag(help: "Print machine-readable JSON (an array of objects with name, input and summary).")
    var json = false

    /// One line of the listing.
    struct Entry: Encodable {
        var name: String
        var input: String
        var summary: String
    }

    /// What each built-in job takes and does, in the order of `BuiltinJobs.all`.
    static let entries: [Entry] = [
        Entry(name: BuiltinJobs.noop.name, input: "Int", summary: "returns its input"),
        Entry(name: BuiltinJobs.echo.name, input: "String", summary: "returns its input text"),
        Entry(name: BuiltinJobs.square.name, input: "Int", summary: "returns the square of its input"),
        Entry(
            name: BuiltinJobs.squareSlowly.name,
            input: "[Int]",
            summary: "squares [value, µs] after keeping a CPU busy so many microseconds"
        ),
        Entry(
            name: BuiltinJobs.spinAndReport.name,
            input: "Int",
            summary: "keeps a CPU busy so many milliseconds; returns [pid, start, end] (monotonic ns)"
        ),
        Entry(name: BuiltinJobs.sleep.name, input: "Int", summary: "sleeps so many milliseconds, cancellably"),
        Entry(
            name: BuiltinJobs.sleepIgnoringCancellation.name,
            input: "Int",
            summary: "sleeps so many milliseconds, ignoring cancellation"
        ),
        Entry(name: BuiltinJobs.spin.name, input: "Int", summary: "keeps a CPU busy so many milliseconds"),
        Entry(name: BuiltinJobs.countPrimes.name, input: "Range<Int>", summary: "counts the primes in a range"),
        Entry(name: BuiltinJobs.crashBySignal.name, input: "Int32", summary: "kills its worker with a signal"),
        Entry(name: BuiltinJobs.exitWithStatus.name, input: "Int32", summary: "exits its worker with a status"),
        Entry(name: BuiltinJobs.pid.name, input: "none", summary: "returns the worker's pid"),
        Entry(name: BuiltinJobs.failOnNegative.name, input: "Int", summary: "throws for a negative input"),
        Entry(name: BuiltinJobs.fail.name, input: "String", summary: "throws with the given message"),
        Entry(name: BuiltinJobs.rejectNegative.name, input: "Int", summary: "throws RejectedInput, a declared type"),
        Entry(name: BuiltinJobs.setState.name, input: "String", summary: "keeps a text in the worker (an initializer)"),
        Entry(name: BuiltinJobs.getState.name, input: "none", summary: "returns the text set-state kept"),
        Entry(
            name: BuiltinJobs.recordPIDAndSleep.name,
            input: "RecordAndSleep",
            summary: "records its pid as a file, then sleeps"
        ),
        Entry(
            name: BuiltinJobs.recordPIDAndBlock.name,
            input: "RecordAndSleep",
            summary: "records its pid as a file, then blocks, ignoring cancellation"
        ),
    ]

    func run() throws {
        if json {
            print(try JSONOutputEncoder().encode(Self.entries))
        } else {
            let width = Self.entries.map(\.name.count).max() ?? 0
            for entry in Self.entries {
                let padding = String(repeating: " ", count: width + 2 - entry.name.count)
                print("\(entry.name)\(padding)\(entry.summary) (input: \(entry.input))")
            }
        }
    }
}
