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
                path, ["report-bindings", "--placement", "none", "--workers", "\(count)", "--json"], timeout: .seconds(240)
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

        @Test func aPoolOutgrowsACommonDescriptorLimit() async throws {
            // 700 workers need more than 1,024 descriptors in the root (a socket and a pidfd each): the runtime raises
            // its soft limit to the hard one.
            let path = try CommandRunner.executable("pool-worker")
            let outcome = try await CommandRunner.run(
                "/bin/sh", ["-c", "ulimit -S -n 1024 && exec \"$0\" report-bindings --placement none --workers 700 --json", path],
                timeout: .seconds(240)
            )
            #expect(outcome.exited && outcome.status == 0, "\(outcome.error.suffix(2_000))")
            #expect(outcome.output.components(separatedBy: "\"pid\"").count - 1 == 700)
            #expect(await CommandRunner.eventually(within: .seconds(30)) { CommandRunner.actors(running: path).isEmpty })
        }

        @Test func aPoolBeyondTheDescriptorLimitFailsAtOnceSayingWhy() async throws {
            // 400 workers under a hard limit of 300 descriptors: the pool cannot start. It fails with one error that
            // says what to change, well before any spawn could time out (60 s), and leaves nothing.
            let path = try CommandRunner.executable("pool-worker")
            let started = ContinuousClock.now
            let outcome = try await CommandRunner.run(
                "/bin/sh", ["-c", "ulimit -n 300 && exec \"$0\" report-bindings --placement none --workers 400", path],
                timeout: .seconds(240)
            )
            let elapsed = ContinuousClock.now - started
            #expect(outcome.exited && outcome.status != 0, "\(outcome.error.suffix(2_000))")
            #expect(elapsed < .seconds(50), "it failed only after \(elapsed)")
            #expect(outcome.error.contains("Too many open files") && outcome.error.contains("ulimit -n"),
                    "\(outcome.error.suffix(2_000))")
            // The pool says it once. A child whose connection the root had to shed says that it could not join the
            // tree, and exits: nothing else.
            let errors = outcome.error.split(separator: "\n").filter { $0.contains(" error tractor") }
            let root = errors.filter { $0.contains("actor=root[") }
            #expect(root.count == 1, "one error, said once: \(root)")
            let others = errors.filter { !$0.contains("actor=root[") && !$0.contains("could not join the actor tree") }
            #expect(others.isEmpty, "\(others)")
            #expect(await CommandRunner.eventually(within: .seconds(30)) { CommandRunner.actors(running: path).isEmpty })
        }
    }
}
