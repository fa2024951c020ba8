//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport

extension PoolSpawningTests {
    /// Far more workers than cores: they start (slowly, a bounded number at a time, with progress in the log) or the
    /// pool fails within seconds saying why; either way nothing is left.
    @Suite(.timeLimit(.minutes(5)))
    struct ManyWorkersTests {
        @Test func aThousandWorkersStartWithProgressAndLeaveNothing() async throws {
            let count = ProcessInfo.processInfo.environment["TRACTOR_MANY_WORKERS"].flatMap(Int.init) ?? 1_000
            let path = try CommandRunner.executable("pool-worker")
            let started = ContinuousClock.now
            let outcome = try await CommandRunner.run(
                path, ["report-bindings", "--placement", "\(count)", "--json"], timeout: .seconds(240)
            )
            let elapsed = ContinuousClock.now - started
            print("\(count) workers: report-bindings took \(elapsed)")
            #expect(outcome.exited && outcome.status == 0, "\(outcome.error.suffix(2_000))")
            let pids = outcome.output.components(separatedBy: "\"pid\"").count - 1
            #expect(pids == count, "one binding per worker")
            let log = outcome.error.split(separator: "\n")
            #expect(log.contains { $0.contains("starting actors: 100 done") }, "progress is logged")
            let unexpected = log.filter {
                $0.contains("warning") && !$0.contains("oversubscribe") || $0.contains("error")
            }
            #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
            #expect(await CommandRunner.eventually(within: .seconds(30)) { CommandRunner.actors(running: path).isEmpty })
        }
    }
}
