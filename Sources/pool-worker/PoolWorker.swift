//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser

/// The generic worker executable and command-line tool.
@main
struct PoolWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-worker",
        abstract: "The Tractor pool's generic worker executable and tools.",
        discussion: "Example: pool-worker topology --json",
        version: "0.1.0",
        subcommands: [TopologyCommand.self, BindingCheckCommand.self]
    )
}
