//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Testing
import TractorPool

/// Every test that opens a pool, one at a time: each checks afterwards that no descriptor leaked and no worker is
/// left, which only means something when no other spawning test runs beside it.
@Suite(.serialized)
enum PoolSpawningTests {}

/// Helpers shared by the tests that open pools of real `pool-worker` processes.
enum PoolTesting {
    /// The directory of the running test binary, where SwiftPM also put `pool-worker`.
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }()

    static var workerPath: String { buildDirectory + "/pool-worker" }

    /// A pool of `pool-worker`s with a quick teardown.
    static func configuration(
        _ placement: Placement = .workers(2),
        cancellationGrace: Duration = .seconds(2)
    ) -> ProcessPoolConfiguration {
        var configuration = ProcessPoolConfiguration(placement: placement)
        configuration.executable = .path(workerPath)
        configuration.cancellationGrace = cancellationGrace
        configuration.teardown = TeardownPolicy(cancelGrace: .seconds(2), terminateGrace: .seconds(1))
        return configuration
    }

    /// Sockets and pidfds this process holds (the descriptors the runtime opens).
    static func runtimeDescriptors() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) ?? ""
            return target.hasPrefix("socket:") || target.contains("pidfd")
        }.count
    }

    /// `pool-worker` processes whose parent is this process (alive or zombie).
    static func workerChildren() -> [Int32] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(")
            else { return false }
            let comm = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == me && comm.hasPrefix("pool-worker")
        }
    }

    /// Whether `pid` is a live (not zombie) process.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    static func eventually(within timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "tractor-pool-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The pids recorded as files in `directory`.
    static func recordedPIDs(in directory: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap(Int32.init)
    }

    /// Runs `body`, then checks that no descriptor leaked and no worker is left, alive or zombie.
    @discardableResult
    static func checkingLeaks<T>(
        _ body: () async throws -> T,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> T {
        // Start the runtime first, so that its own long-lived descriptors are part of the baseline.
        _ = Tractor.currentActor
        try await withActorNursery { _ in }
        let baseline = runtimeDescriptors()
        let result: Swift.Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        let settled = await eventually { runtimeDescriptors() <= baseline && workerChildren().isEmpty }
        #expect(
            settled, "leaked: \(runtimeDescriptors() - baseline) descriptors, workers \(workerChildren())",
            sourceLocation: sourceLocation
        )
        return try result.get()
    }
}
