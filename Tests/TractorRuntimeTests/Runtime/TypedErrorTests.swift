//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// A job's declared error type crosses from actor processes as itself, with the actor, pid, job and relay path.
    @Suite(.timeLimit(.minutes(5)))
    struct TypedErrorTests {
        @Test func aCallsDeclaredErrorIsCaughtByItsType() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("typed")
                    let error = await #expect(throws: TypedJobError.self) {
                        try await actor.run(TypedErrorTestJobs.failTyped, -3)
                    }
                    #expect(error == TypedJobError(code: -3, note: "negative"))
                    #expect(error?.remote?.source == actor.actor)
                    #expect(error?.remote?.source.pid == actor.actor.pid)
                    #expect(error?.remote?.job == "failTyped")
                    #expect(try await actor.run(TypedErrorTestJobs.failTyped, 5) == 5)
                }
            }
        }

        @Test func aStreamsDeclaredErrorIsCaughtByItsType() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("typed-stream")
                    var received: [Int] = []
                    let error = await #expect(throws: TypedJobError.self) {
                        try await actor.openStream(TypedErrorTestJobs.streamThenFail, 3) { stream in
                            for try await element in stream { received.append(element) }
                        }
                    }
                    #expect(received == [0, 1, 2])
                    #expect(error?.code == 3)
                    #expect(error?.remote?.source == actor.actor)
                }
            }
        }

        @Test func aRelayedDeclaredErrorKeepsItsSourceAndGainsTheRelay() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let relay = try await nursery.startActor("relayer")
                    let error = await #expect(throws: TypedJobError.self) {
                        try await relay.run(TypedErrorTestJobs.relayTyped, -8)
                    }
                    #expect(error?.code == -8)
                    #expect(error?.remote?.source.name == "relay-leaf")
                    #expect(error?.remote?.job == "failTyped")
                    #expect(error?.remote?.relayPath == [relay.actor])
                }
            }
        }

        @Test func aNurseryRaisesADeclaredErrorOnceAsItsType() async throws {
            try await ProcessTree.checkingLeaks {
                let error = await #expect(throws: TypedJobError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let one = try await nursery.runInActor(TypedErrorTestJobs.failTyped, -1, name: "one")
                        _ = try await one.result()
                    }
                }
                #expect(error?.code == -1)
                #expect(error?.remote?.source.name == "one")
            }
        }
    }
}
