//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// Actor nurseries with real processes over real Unix sockets.
    @Suite(.timeLimit(.minutes(3)))
    struct NurseryTests {
        @Test func runInActorReturnsItsValue() async throws {
            let sum = try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let adder = try await nursery.runInActor(TestJobs.add, [1, 2, 3, 4], name: "adder")
                    #expect(adder.actor.name == "adder")
                    return try await adder.result()
                }
            }
            #expect(sum == 10)
        }

        @Test func daemonAnswersTwoCallsAndIsCancelled() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let frank = try await nursery.startActor("frank", jobs: [TestJobs.question, TestJobs.add])
                    #expect(try await frank.run(TestJobs.question).contains("life, the universe"))
                    #expect(try await frank.run(TestJobs.add, [20, 22]) == 42)
                    let outcome = try await frank.cancelActor()
                    #expect(outcome.step == .cancelled)
                    #expect(outcome.status.isSuccess)
                    #expect(nursery.actors.isEmpty)
                }
            }
        }

        @Test func nurseryCancelStopsEveryActorAndTheBodyGoesOn() async throws {
            try await ProcessTree.checkingLeaks {
                let after = try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    _ = try await nursery.startActor("one")
                    _ = try await nursery.startActor("two")
                    #expect(nursery.actors.count == 2)
                    await nursery.cancel()
                    #expect(nursery.actors.isEmpty)
                    return "body went on"
                }
                #expect(after == "body went on")
            }
        }

        @Test func concurrentCallsOnOnePortalAreMultiplexed() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let daemon = try await nursery.startActor("busy")
                    try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                        for index in 0..<50 {
                            group.addTask { (index, try await daemon.run(TestJobs.add, [index, 1000])) }
                        }
                        for try await (index, sum) in group { #expect(sum == index + 1000) }
                    }
                }
            }
        }

        @Test func actorsFindEachOtherThroughTheRegistry() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let donny = try await nursery.startActor("donny")
                    let gretchen = try await nursery.startActor("gretchen")
                    async let fromDonny = donny.run(TestJobs.callPeer, "gretchen")
                    async let fromGretchen = gretchen.run(TestJobs.callPeer, "donny")
                    #expect(try await fromDonny == "donny reached gretchen")
                    #expect(try await fromGretchen == "gretchen reached donny")
                    let found = try await Tractor.findActor(named: "donny") { portal in try await portal.run(TestJobs.whoAmI) }
                    #expect(found == "donny")
                }
                #expect(try await Tractor.registeredActors(named: "donny").isEmpty)
            }
        }

        /// A child of the root is registered by the root at its handshake, over the connection the root keeps with
        /// it: an actor killed outright leaves the registry all the same, while its nursery lives on.
        @Test func anActorKilledOutrightLeavesTheRegistry() async throws {
            try await ProcessTree.checkingLeaks {
                var configuration = ProcessTree.configuration()
                // Told of the death instead of failing the nursery, as a pool is: the nursery stays open meanwhile.
                configuration.unexpectedExitHandler = { _, _ in }
                try await withActorNursery(configuration: configuration) { nursery in
                    let doomed = try await nursery.startActor("doomed")
                    let witness = try await nursery.startActor("witness")
                    #expect(try await Tractor.registeredActors(named: "doomed").count == 1)
                    // The sibling finds it through the registry, which it reaches over its own parent's connection.
                    #expect(try await witness.run(TestJobs.callPeer, "doomed") == "witness reached doomed")
                    // It sends itself SIGKILL: no teardown, no goodbye; its call fails.
                    await #expect(throws: TractorError.self) { try await doomed.run(TestJobs.crash, "kill") }
                    var left = false
                    for _ in 0..<1_000 where !left {
                        left = try await Tractor.registeredActors(named: "doomed").isEmpty
                        if !left { try await Task.sleep(for: .milliseconds(10)) }
                    }
                    #expect(left, "the killed actor is still registered")
                    #expect(try await Tractor.registeredActors(named: "witness").count == 1)
                }
            }
        }

        @Test func waitForActorCalledBeforeTheActorRegistersReturnsOnceItDoes() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    #expect(try await Tractor.registeredActors(named: "late").isEmpty)
                    // Two waiters: this process (the root, which serves the registry) and a child, which asks it.
                    let rootReturned = Mutex(false)
                    let rootWaiter = Task {
                        defer { rootReturned.withLock { $0 = true } }
                        return try await Tractor.waitForActor(named: "late") { try await $0.run(TestJobs.whoAmI) }
                    }
                    let early = try await nursery.startActor("early")
                    let childWaiter = Task {
                        try await early.run(TestJobs.markThenCallPeer, PeerInput(name: "late", directory: directory))
                    }
                    #expect(await ProcessTree.eventually(within: .seconds(30)) {
                        FileManager.default.fileExists(atPath: directory + "/waiting")
                    })
                    // Neither found it, nor failed for want of it: both wait.
                    #expect(try await Tractor.registeredActors(named: "late").isEmpty)
                    #expect(!rootReturned.withLock { $0 })
                    _ = try await nursery.startActor("late")
                    #expect(try await rootWaiter.value == "late")
                    #expect(try await childWaiter.value == "early reached late")
                }
            }
        }

        @Test func unknownJobIsATypedErrorAndTheActorKeepsServing() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let limited = try await nursery.startActor("limited", jobs: [TestJobs.question])
                    let error = await #expect(throws: RemoteActorError.self) {
                        try await limited.run(TestJobs.add, [1, 2])
                    }
                    #expect(error?.code == "unknownJob")
                    #expect(error?.message.contains("'add'") == true)
                    #expect(try await limited.run(TestJobs.question).isEmpty == false)
                }
            }
        }
    }
}
