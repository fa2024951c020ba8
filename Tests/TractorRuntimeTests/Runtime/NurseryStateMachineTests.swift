//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// The nursery's supervision rules, without processes: children are strings, runners and waiters are numbers.
@Suite struct NurseryStateMachineTests {
    typealias Machine = NurseryStateMachine<String, Int, Int>

    struct Boom: Error {}

    @Test func theFirstFailureCancelsEverythingAndWakesTheScope() {
        var machine = Machine()
        let r1 = machine.admit("a", "actor a")
        #expect(r1 == nil)
        let r2 = machine.admit("b", "actor b")
        #expect(r2 == nil)
        let r3 = machine.addRunner("a", 1)
        #expect(r3 == nil)
        let r4 = machine.waitForFailure(99)
        #expect(r4 == nil)
        let r5 = machine.failed(Boom())
        #expect(r5)
        let r6 = machine.failed(Boom())
        #expect(!r6)
        let cancellation = machine.cancelAll(failing: true)
        #expect(Set(cancellation.children) == ["actor a", "actor b"])
        #expect(cancellation.runners == [1])
        #expect(cancellation.failureWaiter == 99)
        #expect(machine.errors.count == 2)
        #expect(machine.phase == .cancelling)
    }

    @Test func cancellationEchoesAreNotFailures() {
        var machine = Machine()
        let r7 = machine.failed(CancellationError())
        #expect(!r7)
        let r8 = machine.failed(TractorError(.cancelled, "actor x was cancelled"))
        #expect(!r8)
        #expect(machine.errors.isEmpty)
        let r9 = machine.failed(TractorError(.actorCrashed, "actor x was killed"))
        #expect(r9)
    }

    @Test func nothingStartsOnceTheNurseryClosesOrFails() {
        var machine = Machine()
        _ = machine.beginClosing()
        let r10 = machine.admit("late", "late actor")
        #expect(r10?.code == .scopeClosed)
        var failing = Machine()
        _ = failing.cancelAll(failing: true)
        #expect(failing.refusal?.code == .scopeClosed)
        let r11 = failing.addRunner("x", 7)
        #expect(r11 == 7)
    }

    @Test func waitersForAFailureAfterItResumeAtOnce() {
        var machine = Machine()
        _ = machine.cancelAll(failing: true)
        let r12 = machine.waitForFailure(5)
        #expect(r12 == 5)
        var quiet = Machine()
        let r13 = quiet.waitForFailure(6)
        #expect(r13 == nil)
        let r14 = quiet.stopWaitingForFailure()
        #expect(r14 == 6)
        let r15 = quiet.stopWaitingForFailure()
        #expect(r15 == nil)
    }

    @Test func theLastExitWakesTheClosingScope() {
        var machine = Machine()
        let r16 = machine.waitUntilEmpty(1)
        #expect(r16 == 1)
        _ = machine.admit("a", "actor a")
        _ = machine.admit("b", "actor b")
        let r17 = machine.addRunner("a", 10)
        #expect(r17 == nil)
        let r18 = machine.beginClosing()
        #expect(r18 == [10])
        let r19 = machine.waitUntilEmpty(2)
        #expect(r19 == nil)
        let r20 = machine.exited("a")
        #expect(r20.isEmpty)
        let r21 = machine.exited("b")
        #expect(r21 == [2])
        #expect(machine.children.isEmpty)
    }

    @Test func cancellingWithoutAFailureKeepsTheNurseryOpen() {
        var machine = Machine()
        _ = machine.admit("a", "actor a")
        let cancellation = machine.cancelAll(failing: false)
        #expect(cancellation.children == ["actor a"])
        #expect(cancellation.failureWaiter == nil)
        #expect(machine.phase == .open)
    }
}


extension NurseryStateMachineTests {
    @Test func anActorStillStartingKeepsTheScopeOpenAndIsStoppedByACancel() {
        var machine = Machine()
        let stopNow = machine.startedProcess("s", stop: 42)
        #expect(stopNow == nil)
        let waiter = machine.waitUntilEmpty(1)
        #expect(waiter == nil)
        let cancellation = machine.cancelAll(failing: true)
        #expect(cancellation.runners == [42])
        let woken = machine.finishedStarting("s")
        #expect(woken == [1])
        let late = machine.startedProcess("t", stop: 43)
        #expect(late == 43)
    }
}
