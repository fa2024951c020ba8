//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// How many children start at once, and when progress is reported, without processes: waiters are strings.
@Suite struct SpawnAdmissionStateMachineTests {
    typealias Machine = SpawnAdmissionStateMachine<String>

    @Test func spawnsBeyondTheLimitWaitInOrderOfArrival() {
        var machine = Machine()
        let r1 = machine.request(0, "a", limit: 2, now: 0)
        #expect(r1)
        let r2 = machine.request(1, "b", limit: 2, now: 0)
        #expect(r2)
        let r3 = machine.request(2, "c", limit: 2, now: 0)
        #expect(!r3)
        let r4 = machine.request(3, "d", limit: 2, now: 0)
        #expect(!r4)
        let starting2 = machine.starting
        #expect(starting2 == 2)
        let waiting2 = machine.waiting
        #expect(waiting2 == 2)
        let first = machine.finished(succeeded: true, now: 1, limit: 2)
        #expect(first.admitted == ["c"])
        #expect(first.progress == nil)
        let second = machine.finished(succeeded: false, now: 2, limit: 2)
        #expect(second.admitted == ["d"])
        let stillStarting = machine.starting
        #expect(stillStarting == 2)
        let waiting0 = machine.waiting
        #expect(waiting0 == 0)
    }

    @Test func aLaterSpawnDoesNotOvertakeOneThatWaits() {
        var machine = Machine()
        let r5 = machine.request(0, "a", limit: 1, now: 0)
        #expect(r5)
        let r6 = machine.request(1, "b", limit: 1, now: 0)
        #expect(!r6)
        // A larger limit now, but "b" waits: "c" queues behind it rather than jumping ahead.
        let r7 = machine.request(2, "c", limit: 4, now: 0)
        #expect(!r7)
        let r8 = machine.finished(succeeded: true, now: 1, limit: 4).admitted
        #expect(r8 == ["b", "c"])
    }

    @Test func aWithdrawnSpawnLeavesTheQueue() {
        var machine = Machine()
        let r9 = machine.request(0, "a", limit: 1, now: 0)
        #expect(r9)
        let r10 = machine.request(1, "b", limit: 1, now: 0)
        #expect(!r10)
        let r11 = machine.request(2, "c", limit: 1, now: 0)
        #expect(!r11)
        let r12 = machine.withdraw(1)
        #expect(r12 == "b")
        let r13 = machine.withdraw(1)
        #expect(r13 == nil)
        let r14 = machine.finished(succeeded: true, now: 1, limit: 1).admitted
        #expect(r14 == ["c"])
    }

    @Test func progressIsReportedEveryHundredAndAtTheEndOfALargeBurst() {
        var machine = Machine()
        for id in 0..<250 { _ = machine.request(id, "\(id)", limit: 8, now: 0) }
        var reports: [Machine.Progress] = []
        for finished in 1...250 {
            if let progress = machine.finished(succeeded: finished != 7, now: UInt64(finished), limit: 8).progress {
                reports.append(progress)
            }
        }
        #expect(reports.map(\.finished) == [100, 200, 250])
        #expect(reports.map(\.isFinal) == [false, false, true])
        #expect(reports[0].waiting == 142)
        #expect(reports[0].starting == 8)
        #expect(reports[2].failed == 1)
        #expect(reports[2].elapsed == 250)
    }

    @Test func slowProgressIsReportedEveryFewSecondsWhileSpawnsWait() {
        var machine = Machine()
        for id in 0..<4 { _ = machine.request(id, "\(id)", limit: 1, now: 0) }
        let interval = Machine.reportInterval
        let early = machine.finished(succeeded: true, now: interval - 1, limit: 1).progress
        #expect(early == nil)
        let progress = machine.finished(succeeded: true, now: interval + 1, limit: 1).progress
        #expect(progress?.finished == 2)
        #expect(progress?.starting == 1)
        #expect(progress?.waiting == 1)
        #expect(progress?.isFinal == false)
        // Nothing waits any more, and a small burst ends without a report.
        let third = machine.finished(succeeded: true, now: 3 * interval, limit: 1).progress
        #expect(third == nil)
        let last = machine.finished(succeeded: true, now: 3 * interval, limit: 1).progress
        #expect(last == nil)
    }
}
