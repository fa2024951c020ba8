//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

/// Helpers shared by the tests that spawn real processes: the test worker's configuration and the leak check; what
/// they look at in `/proc` is ``ProcessInspection``'s.
enum ProcessTree {
    static var buildDirectory: String { ProcessInspection.buildDirectory }

    static var workerPath: String { buildDirectory + "/tractor-test-worker" }

    /// A nursery configuration that spawns the test worker, with a quick teardown ladder.
    static func configuration(
        cancelGrace: Duration = .seconds(2),
        terminateGrace: Duration = .seconds(1)
    ) -> ActorNurseryConfiguration {
        var configuration = ActorNurseryConfiguration()
        configuration.executable = .path(workerPath)
        configuration.teardown = TeardownPolicy(cancelGrace: cancelGrace, terminateGrace: terminateGrace)
        return configuration
    }

    /// The configuration of a nursery whose actors are attacked on purpose: they warn of each connection they refuse
    /// on their standard error, as they should, so they log at `error` level only, and the nursery into `log`.
    static func configurationUnderAttack(log: LogCapture) -> ActorNurseryConfiguration {
        var configuration = configuration()
        configuration.logger = log.logger
        return configuration
    }

    static func runtimeDescriptors() -> Int { ProcessInspection.runtimeDescriptors() }

    /// Worker processes whose parent is this process (alive or zombie).
    static func workerChildren() -> [Int32] { ProcessInspection.children(named: "tractor-test") }

    static func isAlive(_ pid: Int32) -> Bool { ProcessInspection.isAlive(pid) }

    static func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        await ProcessInspection.eventually(within: timeout, condition)
    }

    static func eventually(within timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
        await ProcessInspection.eventually(within: timeout, condition)
    }

    static func temporaryDirectory() -> String { ProcessInspection.temporaryDirectory() }

    static func recordedPIDs(in directory: String) -> [Int32] { ProcessInspection.recordedPIDs(in: directory) }

    /// Runs `body`, then checks that no descriptor leaked and no worker child (a child whose command name starts with
    /// `children`) is left, alive or zombie.
    @discardableResult
    static func checkingLeaks<T>(
        children: String = "tractor-test",
        _ body: () async throws -> T,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> T {
        // Start the runtime first, so that its own long-lived descriptors are part of the baseline.
        _ = Tractor.currentActor
        try await withActorNursery { _ in }
        let (result, leaked) = try await ProcessInspection.leakCheck(children: children, body)
        #expect(leaked == nil, "\(leaked ?? "")", sourceLocation: sourceLocation)
        return try result.get()
    }
}
