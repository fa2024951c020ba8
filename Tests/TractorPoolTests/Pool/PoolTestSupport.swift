//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool
import TractorTestSupport

/// Every test that opens a pool, one at a time: each checks afterwards that no descriptor leaked and no worker is
/// left, which only means something when no other spawning test runs beside it.
@Suite(.serialized)
enum PoolSpawningTests {}

/// Helpers shared by the tests that open pools of real `pool-worker` processes: the pool configuration and the leak
/// check; what they look at in `/proc` is ``ProcessInspection``'s.
enum PoolTesting {
    static var buildDirectory: String { ProcessInspection.buildDirectory }

    static var workerPath: String { buildDirectory + "/pool-worker" }

    /// A pool of `pool-worker`s with a quick teardown; one that logs into `log` when the test provokes what the pool
    /// warns about (see ``expectOnly(_:in:sourceLocation:)``).
    static func configuration(
        _ placement: Placement = .workers(2),
        cancellationGrace: Duration = .seconds(2),
        log: LogCapture? = nil
    ) -> ProcessPoolConfiguration {
        var configuration = ProcessPoolConfiguration(placement: placement)
        configuration.executable = .path(workerPath)
        configuration.cancellationGrace = cancellationGrace
        configuration.teardown = TeardownPolicy(cancelGrace: .seconds(2), terminateGrace: .seconds(1))
        configuration.logger = log?.logger
        return configuration
    }

    /// What a pool logged at `warning` or above, for a test that provoked it: lines that contain one of `expected`,
    /// and no other.
    static func expectOnly(
        _ expected: [String],
        in log: LogCapture,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let unexpected = log.unexpected(allowing: expected)
        #expect(unexpected.isEmpty, "the pool logged: \(unexpected)", sourceLocation: sourceLocation)
    }

    /// What the pool logs when a worker dies unasked, or cannot start and is started again.
    static let crashWarnings = ["; replacing it", "; starting it again in"]

    static func runtimeDescriptors() -> Int { ProcessInspection.runtimeDescriptors() }

    /// `pool-worker` processes whose parent is this process (alive or zombie) and that a pool spawned: suites that
    /// run the `pool-worker` command line may run beside the pool's.
    static func workerChildren() -> [Int32] { ProcessInspection.actorChildren(named: "pool-worker") }

    static func isAlive(_ pid: Int32) -> Bool { ProcessInspection.isAlive(pid) }

    static func eventually(within timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        await ProcessInspection.eventually(within: timeout, condition)
    }

    static func temporaryDirectory() -> String { ProcessInspection.temporaryDirectory() }

    static func recordedPIDs(in directory: String) -> [Int32] { ProcessInspection.recordedPIDs(in: directory) }

    /// Runs `body`, then checks that no descriptor leaked and no worker is left, alive or zombie.
    @discardableResult
    static func checkingLeaks<T>(
        _ body: () async throws -> T,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> T {
        // Start the runtime first, so that its own long-lived descriptors are part of the baseline.
        _ = Tractor.currentActor
        try await withActorNursery { _ in }
        let (result, leaked) = try await ProcessInspection.leakCheck(children: "pool-worker", body)
        #expect(leaked == nil, "\(leaked ?? "")", sourceLocation: sourceLocation)
        return try result.get()
    }
}
