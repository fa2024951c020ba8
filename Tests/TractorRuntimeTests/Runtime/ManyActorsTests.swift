//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport

extension SpawningTests {
    /// Hundreds of actors started at once in one nursery, by a root of its own (`tractor-test-worker start-many N`):
    /// they start at the machine's pace, with progress in the log and no warning, and are all reaped.
    @Suite(.timeLimit(.minutes(5)))
    struct ManyActorsTests {
        @Test func threeHundredActorsStartWithProgressAndNoWarning() async throws {
            // TRACTOR_MANY_ACTORS raises the count (1000 starts in about 15 s on two cores).
            let count = ProcessInfo.processInfo.environment["TRACTOR_MANY_ACTORS"].flatMap(Int.init) ?? 300
            var environment = ProcessInfo.processInfo.environment
            environment["TRACTOR_LOG_LEVEL"] = "info"
            let (status, report, text) = try await Self.runRoot(["start-many", "\(count)"], environment: environment)

            #expect(status == 0, "\(report)\n\(text)")
            #expect(report.contains("started \(count) actors"), "\(report)")
            let lines = text.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.isEmpty }
            let progress = lines.filter { $0.contains(" info ") && $0.contains("actors") }
            #expect(progress.contains { $0.contains("starting actors: 100 done") }, "\(text)")
            #expect(progress.contains { $0.contains("started \(count) actors in") }, "\(text)")
            let others = lines.filter { !progress.contains($0) }
            #expect(others.isEmpty, "unexpected log lines: \(others.prefix(10))")
            let survivors = ProcessInspection.actors(running: ProcessTree.workerPath)
            #expect(survivors.isEmpty, "still alive: \(survivors.map(ProcessInspection.describe))")
        }

        /// A root whose first use of the runtime is several nurseries opened at once (`tractor-test-worker
        /// first-nurseries-at-once N`): one of them starts the root's listener, the others use it, and every actor
        /// answers. Run five times, each in a fresh root, since the race is at the first start of a process.
        @Test(arguments: 0..<5)
        func nurseriesOpenedAtOnceAsARootsFirstActShareItsListener(round: Int) async throws {
            let (status, report, text) = try await Self.runRoot(["first-nurseries-at-once", "6"])
            #expect(status == 0, "round \(round): \(report)\n\(text)")
            #expect(report.contains("answered by 6 actors"), "round \(round): \(report)\n\(text)")
        }

        /// Runs `tractor-test-worker` with `arguments` as a root of its own, and returns its exit status, what it
        /// printed and what it logged.
        static func runRoot(
            _ arguments: [String],
            environment: [String: String]? = nil
        ) async throws -> (status: Int32, output: String, log: String) {
            let root = Process()
            root.executableURL = URL(fileURLWithPath: ProcessTree.workerPath)
            root.arguments = arguments
            if let environment { root.environment = environment }
            let output = Pipe()
            let log = Pipe()
            root.standardOutput = output
            root.standardError = log
            try root.run()
            // Read both to EOF on threads of their own, so that neither pipe fills.
            async let printed = Self.readToEnd(output)
            async let logged = Self.readToEnd(log)
            let (report, text) = await (printed, logged)
            root.waitUntilExit()
            return (root.terminationStatus, report, text)
        }

        static func readToEnd(_ pipe: Pipe) async -> String {
            await withCheckedContinuation { continuation in
                Thread {
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                }.start()
            }
        }
    }
}
