//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
import TractorRuntime

@testable import TractorPool

/// The reporter's shell on work simulated by hand: when snapshots come, how the work's end reaches the iterators,
/// and what the reporter costs while nobody iterates.
@Suite(.timeLimit(.minutes(1)))
struct PoolProgressTests {
    /// Work simulated by hand: a tally under a lock, as a map keeps it.
    final class Work: Sendable {
        let tally: Mutex<ProgressTally>

        init(expected: Int?) {
            tally = Mutex(ProgressTally(expected: expected))
        }

        func read() -> ProgressTally { tally.withLock { $0 } }

        func end(_ progress: PoolProgress) {
            progress.end(tally.withLock { $0.end(); return $0 }, owner: ObjectIdentifier(self))
        }
    }

    func attached(_ progress: PoolProgress, expected: Int? = nil) throws -> Work {
        let work = Work(expected: expected)
        try progress.attach(owner: ObjectIdentifier(work)) { work.read() }
        return work
    }

    @Test func nobodyListeningCostsNoSnapshotAndNoClockReadPerItem() throws {
        let clockReads = Atomic(0)
        let progress = PoolProgress(configuration: .init()) {
            clockReads.add(1, ordering: .relaxed)
            return .now
        }
        let work = try attached(progress, expected: 10_000)
        for _ in 0..<10_000 {
            work.tally.withLock {
                $0.took(1)
                $0.add(.init(done: 1))
            }
        }
        work.end(progress)
        #expect(clockReads.load(ordering: .relaxed) == 2, "one read when the work starts, one when it ends")
    }

    @Test func anIteratorGetsASnapshotAtOnceThenOnePerIntervalThenTheFinalOne() async throws {
        var configuration = PoolProgress.Configuration()
        configuration.interval = .milliseconds(20)
        let progress = PoolProgress(configuration: configuration)
        let work = try attached(progress, expected: 50)
        let (moved, movedOn) = AsyncStream<Void>.makeStream()
        let snapshots = Task {
            var snapshots: [PoolProgress.Snapshot] = []
            for await snapshot in progress {
                snapshots.append(snapshot)
                movedOn.yield()
            }
            movedOn.finish()
            return snapshots
        }
        var events = moved.makeAsyncIterator()
        // The work moves on after each snapshot, five times, then ends.
        for _ in 0..<5 {
            await events.next()
            work.tally.withLock {
                $0.took(10)
                $0.add(.init(done: 9, failed: 1))
            }
        }
        await events.next()
        work.end(progress)
        let seen = await snapshots.value
        try #require(seen.count >= 6, "\(seen)")
        #expect(seen.first?.done == 0 && seen.first?.total == 50)
        for (earlier, later) in zip(seen, seen.dropFirst()) where !later.isFinal {
            #expect(later.elapsed - earlier.elapsed >= .milliseconds(20), "at most one per interval")
            #expect(later.done >= earlier.done)
        }
        let final = try #require(seen.last)
        #expect(final.isFinal && final.done == 45 && final.failed == 5 && final.inFlight == 0 && final.total == 50)
        #expect(seen.dropLast().allSatisfy { !$0.isFinal })
    }

    @Test func aHandlerGetsTheSnapshotsAndTheFinalOne() async throws {
        let handled = Mutex<[PoolProgress.Snapshot]>([])
        let progress = PoolProgress(every: .milliseconds(10)) { snapshot in handled.withLock { $0.append(snapshot) } }
        let work = try attached(progress)
        let body = try #require(progress.handlerTask())
        let task = Task { await body() }
        work.tally.withLock { $0.took(3) }
        work.end(progress)
        await task.value
        let snapshots = handled.withLock { $0 }
        #expect(snapshots.last?.isFinal == true)
        #expect(snapshots.last?.cancelled == 3, "ended with three in flight")
        #expect(PoolProgress().handlerTask() == nil, "no handler, no task")
    }

    @Test func anIteratorMadeBeforeTheWorkStartsWaitsForIt() async throws {
        let progress = PoolProgress(every: .milliseconds(10))
        var iterator = progress.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first == PoolProgress.Snapshot(), "nothing done yet")
        let work = try attached(progress)
        work.end(progress)
        let final = try #require(await iterator.next())
        #expect(final.isFinal)
        #expect(await iterator.next() == nil)
        #expect(await iterator.next() == nil)
    }

    @Test func workThatEndsJustBeforeItsReporterHearsOfItGivesOneFinalSnapshot() async throws {
        // A clock that moves an hour at each reading: every snapshot is due at once.
        let hours = Atomic(0)
        let base = ContinuousClock.now
        let progress = PoolProgress(configuration: .init()) {
            base + .seconds(3_600 * hours.add(1, ordering: .relaxed).newValue)
        }
        let work = try attached(progress)
        var iterator = progress.makeAsyncIterator()
        #expect(await iterator.next()?.isFinal == false)
        // The work's tally has ended (under the work's lock); the reporter hears of it a moment later.
        let ended = work.tally.withLock { tally -> ProgressTally in
            tally.took(2)
            tally.end()
            return tally
        }
        let reporting = Task { progress.end(ended, owner: ObjectIdentifier(work)) }
        let final = try #require(await iterator.next())
        #expect(final.isFinal && final.cancelled == 2)
        #expect(await iterator.next() == nil, "one final snapshot")
        await reporting.value
    }

    @Test func aReporterReportsOnOnePieceOfWork() throws {
        let progress = PoolProgress()
        let work = try attached(progress)
        #expect(throws: TractorError.self) { _ = try attached(progress) }
        // The other work's end does not end this report.
        progress.end(ProgressTally().ended(), owner: ObjectIdentifier(Work(expected: nil)))
        guard case .running = progress.phase else {
            Issue.record("the report ended with work it does not report on")
            return
        }
        work.end(progress)
        guard case .ended = progress.phase else {
            Issue.record("the report did not end with its work")
            return
        }
    }

    @Test(arguments: [
        (Duration.zero, Duration.seconds(1), nil),
        (.milliseconds(100), .milliseconds(-1), nil),
        (.milliseconds(100), .seconds(1), -1),
    ] as [(Duration, Duration, Int?)])
    func aConfigurationOutOfRangeIsRefusedAndEndsTheReport(
        interval: Duration,
        window: Duration,
        total: Int?
    ) async throws {
        var configuration = PoolProgress.Configuration()
        configuration.interval = interval
        configuration.rateWindow = window
        configuration.total = total
        let progress = PoolProgress(configuration: configuration)
        let error = #expect(throws: TractorError.self) { _ = try attached(progress) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("PoolProgress.Configuration.") == true, "\(error.map { "\($0)" } ?? "")")
        // Its iterators do not wait forever.
        var iterator = progress.makeAsyncIterator()
        #expect(await iterator.next()?.isFinal == true)
        #expect(await iterator.next() == nil)
    }

    @Test func cancellingTheIteratingTaskEndsTheIteration() async throws {
        let progress = PoolProgress(every: .seconds(3_600))
        _ = try attached(progress)
        let (started, start) = AsyncStream<Void>.makeStream()
        let iteration = Task {
            var count = 0
            for await _ in progress {
                count += 1
                start.yield()
            }
            return count
        }
        var events = started.makeAsyncIterator()
        await events.next()
        iteration.cancel()
        #expect(await iteration.value == 1, "the first snapshot, then nothing: the next was an hour away")
    }
}
