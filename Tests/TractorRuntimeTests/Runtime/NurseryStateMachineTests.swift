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
        let r5 = machine.failed(Boom(), actor: "a")
        #expect(r5)
        // A second failure of the same actor (a call it failed, after its death): still one failure.
        let r6 = machine.failed(Boom(), actor: "a")
        #expect(!r6)
        let cancellation = machine.cancelAll(failing: true)
        #expect(Set(cancellation.children) == ["actor a", "actor b"])
        #expect(cancellation.runners == [1])
        #expect(cancellation.failureWaiter == 99)
        #expect(machine.errors.count == 1)
        let r6b = machine.failed(Boom(), actor: "b")
        #expect(!r6b)
        #expect(machine.errors.count == 2)
        #expect(machine.phase == .cancelling)
    }

    @Test func oneActorIsOneFailureHoweverManyCallsItFailed() {
        var machine = Machine()
        let first = machine.failed(TractorError(.actorCrashed, "actor a was killed by SIGKILL"), actor: "a")
        #expect(first)
        // The same death, reported again by each call it failed, and a later error of the same actor.
        let again = machine.failed(TractorError(.actorCrashed, "actor a was killed by SIGKILL"), actor: "a")
        #expect(!again)
        let later = machine.failed(Boom(), actor: "a")
        #expect(!later)
        #expect(machine.errors.count == 1)
        #expect((machine.errors.first as? TractorError)?.code == .actorCrashed)
    }

    @Test func theBodyRethrowingAFailureOrEchoingTheCancellationAddsNothing() {
        let local = ActorID(name: "root", uid: "r00t", pid: 1)
        var machine = Machine(local: local)
        let crash = TractorError(.actorCrashed, "actor a was killed by SIGKILL")
        // Before any failure, the body's error always counts.
        let echo1 = machine.bodyErrorEchoesFailures(CancellationError())
        #expect(!echo1)
        _ = machine.failed(crash, actor: "a")
        let echo2 = machine.bodyErrorEchoesFailures(crash)
        #expect(echo2)
        let echo3 = machine.bodyErrorEchoesFailures(CancellationError())
        #expect(echo3)
        let echo4 = machine.bodyErrorEchoesFailures(TractorError(.cancelled, "actor b was stopped while starting"))
        #expect(echo4)
        let echo5 = machine.bodyErrorEchoesFailures(TractorError(.scopeClosed, "the actor nursery is cancelled"))
        #expect(echo5)
        let echo6 = machine.bodyErrorEchoesFailures(ContextCancelled(canceller: local, job: "j"))
        #expect(echo6)
        let elsewhere = ActorID(name: "b", uid: "b0", pid: 2)
        let echo7 = machine.bodyErrorEchoesFailures(ContextCancelled(canceller: elsewhere, job: "j"))
        #expect(!echo7)
        let echo8 = machine.bodyErrorEchoesFailures(TractorError(.actorCrashed, "actor b was killed by SIGKILL"))
        #expect(!echo8)
        let echo9 = machine.bodyErrorEchoesFailures(Boom())
        #expect(!echo9)
    }

    @Test func aRunnerIsAwaitedUntilItsTaskFinishesEvenAfterItsActorExited() {
        var machine = Machine()
        _ = machine.admit("a", "actor a")
        _ = machine.addRunner("a", 1)
        _ = machine.exited("a")
        let runners10 = machine.unfinishedRunners
        #expect(runners10 == [1])
        machine.runnerFinished("a")
        let runners11 = machine.unfinishedRunners
        #expect(runners11.isEmpty)
        // A task that finished before it was added is not awaited.
        machine.runnerFinished("b")
        _ = machine.addRunner("b", 2)
        let runners12 = machine.unfinishedRunners
        #expect(runners12.isEmpty)
    }

    @Test func cancellationEchoesAreNotFailures() {
        var machine = Machine()
        let r7 = machine.failed(CancellationError(), actor: "x")
        #expect(!r7)
        let r8 = machine.failed(TractorError(.cancelled, "actor x was cancelled"), actor: "x")
        #expect(!r8)
        #expect(machine.errors.isEmpty)
        let r9 = machine.failed(TractorError(.actorCrashed, "actor x was killed"), actor: "x")
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
