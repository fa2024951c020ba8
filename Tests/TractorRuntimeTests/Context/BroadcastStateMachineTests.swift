//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorRuntime

/// The broadcast's state machine, without tasks: receivers' waiters are numbers, the pump's a string.
struct BroadcastStateMachineTests {
    typealias Machine = BroadcastStateMachine<Int, Int, String>

    /// What receiver `index` reads next, in words: `"3"`, `"missed 7"`, `"end"`, `"failed"` or `"wait"`.
    private static func read(_ machine: inout Machine, _ index: Int) -> String {
        describe(machine.next(index).0)
    }

    private static func describe(_ next: BroadcastNext<Int>?) -> String {
        switch next {
        case .element(let value)?: "\(value)"
        case .missed(let count)?: "missed \(count)"
        case .end(nil)?: "end"
        case .end(_?)?: "failed"
        case nil: "wait"
        }
    }

    @Test func theSlowestReceiverHoldsThePump() {
        var machine = Machine(receivers: 2, policy: .slowestHoldsProducer(buffer: 2))
        let first = machine.received(0).count + machine.received(1).count
        #expect(first == 0)
        // Both buffers are full: the pump parks.
        let parked = machine.pumpWaits("pump")
        #expect(parked)
        // The fast receiver drains its buffer and parks: the slow one still holds the pump.
        let fast = (0..<3).map { _ in Self.read(&machine, 0) }
        #expect(fast == ["0", "1", "wait"])
        let pumpAfterPark = machine.park(0, 100)
        #expect(pumpAfterPark == nil)
        // The slow one takes one: there is room everywhere, and the pump goes on.
        let (taken, pump) = machine.next(1)
        #expect(Self.describe(taken) == "0")
        #expect(pump == "pump")
        // The next element goes straight to the parked receiver, and into the other's buffer.
        let resumed = machine.received(2).map { "\($0.0): \(Self.describe($0.1))" }
        #expect(resumed == ["100: 2"])
        let slow = (0..<3).map { _ in Self.read(&machine, 1) }
        #expect(slow == ["1", "2", "wait"])
    }

    @Test func aLaggingReceiverLosesTheOldestAndIsToldHowMany() {
        var machine = Machine(receivers: 1, policy: .lagging(buffer: 3))
        for value in 0..<10 { _ = machine.received(value) }
        let parked = machine.pumpWaits("pump")
        #expect(!parked)
        _ = machine.finished(nil)
        let reads = (0..<6).map { _ in Self.read(&machine, 0) }
        #expect(reads == ["missed 7", "7", "8", "9", "end", "end"])
    }

    @Test func detachingTheSlowReceiverReleasesThePump() {
        var machine = Machine(receivers: 2, policy: .slowestHoldsProducer(buffer: 1))
        _ = machine.received(0)
        let parked = machine.pumpWaits("pump")
        #expect(parked)
        let fast = Self.read(&machine, 1)
        #expect(fast == "0")
        _ = machine.park(1, 7)
        let (waiter, pump) = machine.detach(0)
        #expect(waiter == nil)
        #expect(pump == "pump")
        let detached = Self.read(&machine, 0)
        #expect(detached == "end")
    }

    @Test func theEndReachesParkedReceiversAfterTheirBuffers() {
        struct Failure: Error {}
        var machine = Machine(receivers: 2, policy: .slowestHoldsProducer(buffer: 4))
        _ = machine.received(5)
        let first = Self.read(&machine, 0)
        #expect(first == "5")
        _ = machine.park(0, 1)
        let resumed = machine.finished(Failure()).map { "\($0.0): \(Self.describe($0.1))" }
        #expect(resumed == ["1: failed"])
        // The other reads its buffered element before the failure.
        let other = (0..<2).map { _ in Self.read(&machine, 1) }
        #expect(other == ["5", "failed"])
        #expect(machine.failure is Failure)
    }

    @Test func aCancellationIsNotAFailure() {
        var machine = Machine(receivers: 1, policy: .slowestHoldsProducer(buffer: 4))
        _ = machine.finished(CancellationError())
        #expect(machine.failure == nil)
    }

    @Test func everyReceiverDetachedStopsThePump() {
        var machine = Machine(receivers: 2, policy: .slowestHoldsProducer(buffer: 1))
        _ = machine.received(0)
        let parked = machine.pumpWaits("pump")
        #expect(parked)
        _ = machine.detach(0)
        let (_, pump) = machine.detach(1)
        #expect(pump == "pump")
        #expect(machine.allDetached)
        let parkedAgain = machine.pumpWaits("again")
        #expect(!parkedAgain)
    }
}
