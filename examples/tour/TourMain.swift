//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser
import Glibc
import TractorPool

/// The entry point of `tour`, whose code is the README's tour, section by section (a test checks that every Swift
/// block of the README appears in this example's sources, and runs each section).
@main
enum TourMain {
    static func main() async {
        do {
            try await Tractor.bootstrap(jobs: tourJobs)   // in an actor: serve the jobs, never return
        } catch {
            let message = "tour: cannot start: \(error)\n"
            _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            exit(70)
        }
        await Tour.main()
    }
}

/// The `tour` command line.
struct Tour: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "Run the README's tour of Tractor for Swift, section by section.",
        discussion: """
            Each section is the code of one part of the README's tour, run for real: process pools, actor \
            nurseries and portals, failures, streams and contexts, cancellation, and pinning. With no section, runs \
            them all in order.

            Examples:
              tour
              tour pool
              tour streams cancellation
            """
    )

    /// The sections, in README order.
    enum Section: String, CaseIterable, ExpressibleByArgument {
        case pool, nursery, failures, streams, cancellation, pinning
    }

    @Argument(help: "The sections to run: pool, nursery, failures, streams, cancellation, pinning. Default: all.")
    var sections: [Section] = []

    func run() async throws {
        for section in sections.isEmpty ? Section.allCases : sections {
            print("== \(section.rawValue)")
            switch section {
            case .pool: try await Self.pool()
            case .nursery: try await Self.nursery()
            case .failures: try await Self.failures()
            case .streams: try await Self.streams()
            case .cancellation: try await Self.cancellation()
            case .pinning: try await Self.pinning()
            }
        }
    }
}
