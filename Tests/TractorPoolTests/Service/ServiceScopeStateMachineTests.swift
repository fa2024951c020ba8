//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// The life of a service holding a scope (a pool service), driven by hand.
@Suite struct ServiceScopeStateMachineTests {
    typealias Machine = ServiceScopeStateMachine<String>

    @Test func theServiceRunsOnceAndHandsItsPoolOutWhileServing() throws {
        var machine = Machine(name: "pool service")
        guard case .wait = machine.lease() else {
            Issue.record("before the pool opens, a user waits")
            return
        }
        let started = machine.start()
        let startedAgain = machine.start()
        #expect(started)
        #expect(!startedAgain, "a second run is refused")
        _ = machine.opened("pool")
        guard case .use("pool") = machine.lease() else {
            Issue.record("a serving service hands its pool out")
            return
        }
        _ = machine.ended(nil)
        guard case .fail(let error as TractorError) = machine.lease() else {
            Issue.record("a stopped service fails its users")
            return
        }
        #expect(error.code == .scopeClosed)
        #expect(error.message.contains("the pool service has stopped"))
        let restarted = machine.start()
        #expect(!restarted)
    }

    @Test func aPoolThatCouldNotOpenFailsItsUsersWithItsError() {
        struct Broken: Error {}
        var machine = Machine(name: "pool service")
        _ = machine.start()
        _ = machine.ended(Broken())
        guard case .fail(let error) = machine.lease() else {
            Issue.record("the users get the run's error")
            return
        }
        #expect(error is Broken)
    }

    @Test func gracefulShutdownBeginsAtItsFirstUserAndTheTurnComesWithTheService() {
        var machine = Machine(name: "pool service")
        #expect(!machine.hasReached(.began) && !machine.hasReached(.turn))
        _ = machine.gracefulShutdownReached(service: false)
        #expect(machine.hasReached(.began) && !machine.hasReached(.turn))
        _ = machine.gracefulShutdownReached(service: false)
        #expect(!machine.hasReached(.turn))
        _ = machine.gracefulShutdownReached(service: true)
        #expect(machine.hasReached(.began) && machine.hasReached(.turn))
    }

    @Test func theServiceItselfBeginsItsShutdownWhenNoUserDid() {
        var machine = Machine(name: "pool service")
        _ = machine.gracefulShutdownReached(service: true)
        #expect(machine.hasReached(.began) && machine.hasReached(.turn))
    }
}
