//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

/// `--help` of every command and subcommand says what it does, with an example.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CommandHelpTests {
    /// Every command line: executable, then subcommand words. `binding-check` is hidden from the list of
    /// subcommands, but has its help all the same.
    static let commands: [[String]] = [
        ["primes"],
        ["tour"],
        ["pool-service"],
        ["pool-worker"],
        ["pool-worker", "topology"],
        ["pool-worker", "report-bindings"],
        ["pool-worker", "jobs"],
        ["pool-worker", "binding-check"],
        ["pool-worker", "serve"],
    ]

    @Test(arguments: commands)
    func helpSaysWhatItDoesWithAnExample(command: [String]) async throws {
        let outcome = try await CommandRunner.run(
            try CommandRunner.executable(command[0]),
            Array(command.dropFirst()) + ["--help"]
        )
        let name = command.joined(separator: " ")
        #expect(outcome.exited && outcome.status == 0, "\(name) --help failed: \(outcome.error)")
        let lines = outcome.outputLines
        #expect(lines.first?.hasPrefix("OVERVIEW: ") == true, "\(name) --help:\n\(outcome.output)")
        #expect(outcome.output.contains("USAGE: \(name)"))
        // An examples paragraph, with at least one line running this very command.
        let heading = try #require(
            lines.firstIndex { $0.hasPrefix("Example") },
            "no examples in \(name) --help:\n\(outcome.output)"
        )
        let examples = lines[(heading + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(
            examples.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name) },
            "no example of \(name) in:\n\(outcome.output)"
        )
        // Each example is one command line: none is wrapped at the help's 80 columns.
        for example in examples {
            #expect(example.hasPrefix("  "), "a wrapped example line in \(name) --help: \(example)")
        }
    }

    @Test func everyListedSubcommandIsChecked() async throws {
        let outcome = try await CommandRunner.run(try CommandRunner.executable("pool-worker"), ["--help"])
        let lines = outcome.outputLines
        let start = try #require(lines.firstIndex(of: "SUBCOMMANDS:"))
        let listed = lines[(start + 1)...]
            .prefix { !$0.isEmpty }
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }  // not the wrapped abstracts
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(!listed.isEmpty)
        let checked = Set(Self.commands.filter { $0.count == 2 }.map { $0[1] })
        for subcommand in listed where subcommand != "help" {
            #expect(checked.contains(subcommand), "pool-worker \(subcommand) --help is not checked")
        }
    }
}
