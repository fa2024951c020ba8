//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// The pure logic of progress reports: the tally's accounting, the rate window and the estimate, with instants
/// given by hand.
@Suite struct ProgressMeterTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    func tally(taken: Int, done: Int, failed: Int = 0, expected: Int? = nil) -> ProgressTally {
        var tally = ProgressTally(expected: expected)
        tally.took(taken)
        tally.add(.init(done: done, failed: failed))
        return tally
    }

    // MARK: Tally

    @Test func aTallyCountsWhatEndsAndNeverMoreThanIsInFlight() {
        var tally = ProgressTally()
        tally.took(10)
        tally.add(.init(done: 6, failed: 1))
        #expect(tally.inFlight == 3)
        #expect(tally.total == nil, "the input has not ended and nobody said how long it is")
        tally.add(.init(done: 5))
        #expect(tally.done == 9, "an outcome beyond what is in flight is cut")
        #expect(tally.inFlight == 0)
        tally.endInput()
        #expect(tally.total == 10)
    }

    @Test func anAnnouncedTotalThatFallsShortIsRaisedToWhatWasTaken() {
        var tally = ProgressTally(expected: 5)
        tally.took(8)
        #expect(tally.total == 8)
        tally.endInput()
        #expect(tally.total == 8)
    }

    @Test func endingAccountsForEverything() {
        // A map of 100 that stopped after taking 30: 20 done, 1 failed, 9 in flight, 70 never read.
        var tally = ProgressTally(expected: 100)
        tally.took(30)
        tally.add(.init(done: 20, failed: 1))
        tally.end()
        #expect(tally.isEnded)
        #expect(tally.inFlight == 0)
        #expect(tally.total == 100)
        #expect(tally.done == 20 && tally.failed == 1 && tally.cancelled == 79)
        // Nothing changes after the end.
        tally.took(5)
        tally.add(.init(done: 5))
        tally.end()
        #expect(tally.done == 20 && tally.cancelled == 79 && tally.total == 100)
    }

    @Test func endingWithoutAKnownTotalTakesWhatWasTaken() {
        var tally = ProgressTally()
        tally.took(12)
        tally.add(.init(done: 10, cancelled: 1))
        tally.end()
        #expect(tally.total == 12)
        #expect(tally.done + tally.failed + tally.cancelled == 12)
    }

    // MARK: Meter

    @Test func theRateIsMeasuredOverTheWindowAndTheEstimateFollowsIt() throws {
        var meter = ProgressMeter(window: .seconds(1))
        // 100 items a second for two seconds, then 400 a second.
        _ = meter.snapshot(of: tally(taken: 1_000, done: 50, expected: 1_000), start: start, at: at(500))
        _ = meter.snapshot(of: tally(taken: 1_000, done: 100, expected: 1_000), start: start, at: at(1_000))
        _ = meter.snapshot(of: tally(taken: 1_000, done: 200, expected: 1_000), start: start, at: at(2_000))
        _ = meter.snapshot(of: tally(taken: 1_000, done: 400, expected: 1_000), start: start, at: at(2_500))
        let snapshot = meter.snapshot(of: tally(taken: 1_000, done: 600, expected: 1_000), start: start, at: at(3_000))
        let rate = try #require(snapshot.rate)
        #expect(abs(rate - 400) < 0.001, "the last second only: \(rate)")
        #expect(snapshot.estimatedTimeRemaining == .seconds(1), "400 left at 400 a second")
        #expect(snapshot.elapsed == .seconds(3))
        #expect(snapshot.total == 1_000 && snapshot.done == 600 && snapshot.inFlight == 400)
        #expect(!snapshot.isFinal)
    }

    @Test func theFirstSnapshotMeasuresFromTheStart() throws {
        var meter = ProgressMeter(window: .seconds(10))
        let first = meter.snapshot(of: tally(taken: 10, done: 0), start: start, at: start)
        #expect(first.rate == nil, "no time has passed")
        #expect(first.estimatedTimeRemaining == nil, "no total")
        let second = meter.snapshot(of: tally(taken: 10, done: 5), start: start, at: at(250))
        #expect(try #require(second.rate) == 20)
    }

    @Test func noRateMeansNoEstimate() {
        var meter = ProgressMeter(window: .seconds(1))
        let snapshot = meter.snapshot(of: tally(taken: 10, done: 0, expected: 10), start: start, at: at(2_000))
        #expect(snapshot.rate == 0)
        #expect(snapshot.estimatedTimeRemaining == nil)
    }

    @Test func theFinalSnapshotIsFrozenAtTheEndWithTheWholeRunsRate() throws {
        var meter = ProgressMeter(window: .seconds(1))
        _ = meter.snapshot(of: tally(taken: 100, done: 90, expected: 100), start: start, at: at(900))
        var final = tally(taken: 100, done: 99, failed: 1, expected: 100)
        final.end()
        let snapshot = meter.snapshot(of: final, start: start, at: at(2_000))
        #expect(snapshot.isFinal)
        #expect(snapshot.elapsed == .seconds(2))
        #expect(try #require(snapshot.rate) == 50)
        #expect(snapshot.estimatedTimeRemaining == .zero)
        #expect(snapshot.inFlight == 0)
        #expect(snapshot.done + snapshot.failed + snapshot.cancelled == snapshot.total)
        #expect(snapshot.fractionCompleted == 1)
    }

    @Test func theWindowKeepsABoundedNumberOfSamples() throws {
        var meter = ProgressMeter(window: .seconds(3_600), capacity: 8)
        for step in 1...100 {
            _ = meter.snapshot(of: tally(taken: 1_000, done: step), start: start, at: at(step * 10))
        }
        // Eight samples ten milliseconds apart, one item each: 100 a second whatever the window says.
        let snapshot = meter.snapshot(of: tally(taken: 1_000, done: 101), start: start, at: at(1_010))
        #expect(abs(try #require(snapshot.rate) - 100) < 0.001)
    }

    @Test func snapshotsOfAGrowingTallyAreMonotonic() {
        var meter = ProgressMeter(window: .milliseconds(300))
        var tally = ProgressTally(expected: 1_000)
        var previous: PoolProgress.Snapshot?
        for step in 0..<200 {
            tally.took(Swift.min(1_000 - tally.taken, step % 7 * 3))
            tally.add(.init(done: step % 5, failed: step % 50 == 0 ? 1 : 0))
            if step == 199 { tally.end() }
            let snapshot = meter.snapshot(of: tally, start: start, at: at(step * 20))
            if let previous {
                #expect(snapshot.done >= previous.done && snapshot.failed >= previous.failed)
                #expect(snapshot.elapsed >= previous.elapsed)
            }
            #expect(snapshot.done + snapshot.failed + snapshot.cancelled <= snapshot.total ?? .max)
            previous = snapshot
        }
        #expect(previous?.isFinal == true && previous?.inFlight == 0)
    }

    // MARK: Text

    @Test func figuresAreWrittenAsClocksAndMetricRates() {
        #expect(ProgressFormat.clock(.seconds(7)) == "0:07")
        #expect(ProgressFormat.clock(.milliseconds(754_400)) == "12:34")
        #expect(ProgressFormat.clock(.seconds(3_723)) == "1:02:03")
        #expect(ProgressFormat.metric(950) == "950")
        #expect(ProgressFormat.metric(12_345) == "12.3 k")
        #expect(ProgressFormat.metric(4_500_000) == "4.5 M")
        #expect(ProgressFormat.decimal(812.46) == "812.5")
        let snapshot = PoolProgress.Snapshot(
            done: 640, failed: 2, inFlight: 64, total: 1_000, rate: 812.5, estimatedTimeRemaining: .seconds(1)
        )
        #expect(snapshot.description == "640/1000 done, 2 failed, 64 in flight, 812.5 items/s, 0:01 left")
        #expect(PoolProgress.Snapshot(total: 0).fractionCompleted == 1)
        #expect(PoolProgress.Snapshot(done: 5).fractionCompleted == nil)
    }
}
