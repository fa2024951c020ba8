//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import Synchronization
import Testing
import TractorPool
import TractorTestSupport

extension PoolSpawningTests {
    /// Workers killed at random moments while work streams through: every job ends as its value or as
    /// `WorkerCrashed`, never as a transport error; the pool goes on serving; nothing is left behind.
    ///
    /// The kills are seeded (`TRACTOR_CHAOS_SEED` picks the seed; the seed is printed with any failure) and the load
    /// is sized by `TRACTOR_CHAOS_SCALE` (1 by default; `make test-chaos` runs larger and longer).
    @Suite(.timeLimit(.minutes(5)))
    struct PoolChaosTests {
        @Test func submitsUnderRandomKillsEndAsValuesOrCrashes() async throws {
            let count = 10_000 * ChaosMonkey.scale
            try await ChaosMonkey.underChaos(total: count) { pool in
                var futures: [JobFuture<Int>] = []
                var exits: [JobFuture<Int>] = []
                futures.reserveCapacity(count)
                let start = ContinuousClock.now
                for value in 0..<count {
                    futures.append(try await pool.submit(BuiltinJobs.square, value))
                    // Now and then a job that exits its worker: it alone fails, saying how.
                    if value % 2_000 == 999 { exits.append(try await pool.submit(BuiltinJobs.exitWithStatus, 3)) }
                }
                var outcome = ChaosOutcome()
                for (value, future) in futures.enumerated() {
                    outcome.record(await Result(catching: { try await future.value }), expected: value * value)
                }
                let elapsed = ContinuousClock.now - start
                print("chaos: \(outcome.values) jobs completed in \(elapsed) while killing")
                for exit in exits {
                    let crash = await #expect(throws: WorkerCrashed.self) { _ = try await exit.value }
                    #expect(crash?.job == "exit-with-status")
                }
                return outcome
            }
        }

        @Test func chunkOneMapsUnderRandomKillsEndAsValuesOrCrashes() async throws {
            let count = 10_000 * ChaosMonkey.scale
            try await ChaosMonkey.underChaos(total: count) { pool in
                // A map ends at its first failed item: map again from there until every item has an outcome.
                var outcome = ChaosOutcome()
                var next = 0
                while next < count {
                    let start = next
                    do {
                        let inputs = (start..<count).lazy.map { [$0, 100] }
                        for try await square in pool.map(BuiltinJobs.squareSlowly, over: inputs, chunkSize: 1) {
                            outcome.record(.success(square), expected: next * next)
                            next += 1
                        }
                    } catch {
                        outcome.record(.failure(error), expected: next * next)
                        next += 1
                    }
                }
                return outcome
            }
        }

        @Test func autoChunkedMapsUnderRandomKillsEndAsValuesOrCrashes() async throws {
            let count = 20_000 * ChaosMonkey.scale
            try await ChaosMonkey.underChaos(total: nil) { pool in
                // Maps of 2,000 items, auto-chunked: each ends whole, or at its first crashed chunk.
                var outcome = ChaosOutcome()
                var done = 0
                while done < count {
                    var squares = 0
                    do {
                        let inputs = (0..<2_000).lazy.map { [$0, 50] }
                        for try await square in pool.map(BuiltinJobs.squareSlowly, over: inputs) {
                            outcome.record(.success(square), expected: squares * squares)
                            squares += 1
                        }
                    } catch {
                        outcome.record(.failure(error), expected: 0)
                    }
                    done += 2_000
                }
                return outcome
            }
        }

        @Test func shutdownUnderRandomKillsResolvesEveryFuture() async throws {
            let seed = ChaosMonkey.seed()
            let log = LogCapture()
            defer { PoolTesting.expectOnly(PoolTesting.crashWarnings, in: log) }
            try await PoolTesting.checkingLeaks {
                var futures: [JobFuture<Int>] = []
                let monkey = ChaosMonkey(seed: seed)
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2), log: log)) { pool in
                    try await monkey.killing {
                        for value in 0..<2_000 { futures.append(try await pool.submit(BuiltinJobs.sleep, value % 3)) }
                        await pool.shutdown(wait: true)
                    }
                    let unresolved = futures.filter { !$0.isDone }.count
                    #expect(unresolved == 0, "seed \(seed): \(unresolved) futures unresolved after shutdown(wait: true)")
                }
                var outcome = ChaosOutcome()
                for (value, future) in futures.enumerated() {
                    outcome.record(await Result(catching: { try await future.value }), expected: value % 3)
                }
                outcome.check(seed: seed, kills: monkey.kills, total: futures.count)
            }
        }
    }
}

/// How the jobs of a chaos run ended.
struct ChaosOutcome {
    var values = 0
    var crashes = 0
    var wrong: [String] = []
    var others: [String] = []

    mutating func record(_ result: Result<Int, any Error>, expected: Int) {
        switch result {
        case .success(let value):
            if value == expected { values += 1 } else if wrong.count < 5 { wrong.append("\(value) for \(expected)") }
        case .failure(let error as WorkerCrashed):
            _ = error
            crashes += 1
        case .failure(let error):
            others.append("\(error)")
        }
    }

    func check(seed: UInt64, kills: Int, total: Int?, sourceLocation: SourceLocation = #_sourceLocation) {
        let context = "seed \(seed), \(kills) kills, \(values) values, \(crashes) crashes"
        let othersCount = others.count
        let wrongCount = wrong.count
        #expect(othersCount == 0, "\(context); other errors: \(others.prefix(3))", sourceLocation: sourceLocation)
        #expect(wrongCount == 0, "\(context); wrong values: \(wrong)", sourceLocation: sourceLocation)
        if let total {
            let ended = values + crashes + othersCount + wrongCount
            #expect(ended == total, "\(context)", sourceLocation: sourceLocation)
        }
        let served = values
        #expect(served > 0, "\(context)", sourceLocation: sourceLocation)
        print("chaos: \(context)")
    }
}

/// Kills the pool's workers at random moments (seeded) while a body runs.
final class ChaosMonkey: Sendable {
    let seed: UInt64
    private let killed = Mutex<[Int32]>([])

    init(seed: UInt64) {
        self.seed = seed
    }

    var kills: Int { killed.withLock { $0.count } }

    static var scale: Int {
        ProcessInfo.processInfo.environment["TRACTOR_CHAOS_SCALE"].flatMap(Int.init).map { Swift.max(1, $0) } ?? 1
    }

    static func seed() -> UInt64 {
        ProcessInfo.processInfo.environment["TRACTOR_CHAOS_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...999_999)
    }

    /// Runs `body` while a task kills one of this process's pool workers every 50–150 ms (SIGKILL or SIGTERM),
    /// whatever it is doing: starting, handshaking, idle, running a job, replying.
    func killing<T>(_ body: () async throws -> T) async throws -> T {
        let killer = Task { [self] in
            var random = SplitMix64(seed: seed)
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int.random(in: 50...150, using: &random)))
                let workers = ProcessInspection.actorChildren(named: "pool-worker").filter(ProcessInspection.isAlive)
                guard !workers.isEmpty, !Task.isCancelled else { continue }
                let victim = workers[Int.random(in: 0..<workers.count, using: &random)]
                // Mostly SIGKILL; sometimes a polite SIGTERM, which a worker answers by cancelling its jobs and exiting.
                // (A crash by SIGSEGV is the job crash-by-signal's test: its backtrace takes seconds to print.)
                let signal = [SIGKILL, SIGKILL, SIGKILL, SIGTERM].randomElement(using: &random)!
                if kill(victim, signal) == 0 { self.killed.withLock { $0.append(victim) } }
            }
        }
        defer { killer.cancel() }
        let result = try await body()
        killer.cancel()
        await killer.value
        // A kill just sent may not have been seen yet: wait until every victim is reaped, so that what follows runs
        // on workers that live.
        let victims = killed.withLock { $0 }
        _ = await ProcessInspection.eventually(within: .seconds(10)) {
            let children = ProcessInspection.actorChildren(named: "pool-worker")
            return victims.allSatisfy { !children.contains($0) }
        }
        return result
    }

    /// Runs `body` on a fresh pool of two workers while they are killed at random (seeded), then checks that every job
    /// ended as its value or `WorkerCrashed` (`total` of them, if given), that the pool still serves, and that nothing
    /// is left behind.
    static func underChaos(
        total: Int?,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: (ProcessPool) async throws -> ChaosOutcome
    ) async throws {
        let seed = seed()
        let log = LogCapture()
        try await PoolTesting.checkingLeaks {
            try await withProcessPool(configuration: PoolTesting.configuration(.workers(2), log: log)) { pool in
                let monkey = ChaosMonkey(seed: seed)
                let report = try await monkey.killing { try await body(pool) }
                report.check(seed: seed, kills: monkey.kills, total: total, sourceLocation: sourceLocation)
                try await poolStillServes(pool, sourceLocation: sourceLocation)
            }
        }
        PoolTesting.expectOnly(PoolTesting.crashWarnings, in: log, sourceLocation: sourceLocation)
    }

    /// After the chaos: 100 jobs succeed.
    static func poolStillServes(_ pool: ProcessPool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var futures: [JobFuture<Int>] = []
        for value in 0..<100 { futures.append(try await pool.submit(BuiltinJobs.square, value)) }
        for (value, future) in futures.enumerated() {
            #expect(try await future.value == value * value, sourceLocation: sourceLocation)
        }
    }
}


extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
