//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// One actor of a tree cancelling another that is not its child, found through the registry.
    @Suite(.timeLimit(.minutes(3)))
    struct PeerCancelTests {
        @Test func aPeerCancelsAnActorAndIsNamedAsTheCancellerOfItsJobs() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let sleeper = try await nursery.startActor("sleeper")
                    let canceller = try await nursery.startActor("canceller")
                    // A long job on the sleeper, from this process; it must be running before the cancel.
                    let sleeping = Task { () -> Result<Int, any Error> in
                        do { return .success(try await sleeper.run(TestJobs.holdCall, directory)) } catch { return .failure(error) }
                    }
                    #expect(await ProcessTree.eventually(within: .seconds(30)) {
                        FileManager.default.fileExists(atPath: directory + "/call")
                    })
                    let outcome = try await canceller.run(TestJobs.cancelPeer, "sleeper")
                    #expect(outcome == "cancelled: exited with status 0")
                    // The job ended cancelled, by the canceller, not by this process or the sleeper itself.
                    switch await sleeping.value {
                    case .success(let value):
                        Issue.record("the sleeper's job returned \(value) instead of being cancelled")
                    case .failure(let error as ContextCancelled):
                        #expect(error.canceller == canceller.actor)
                        #expect(error.job == "holdCall")
                    case .failure(let error):
                        Issue.record("the sleeper's job failed with \(error), not ContextCancelled")
                    }
                    // The sleeper has exited, and its nursery counts that as a cancellation, not a crash: the other
                    // actor still serves, and the scope ends without an error.
                    #expect(await ProcessTree.eventually(within: .seconds(30)) { !ProcessTree.isAlive(sleeper.actor.pid) })
                    #expect(try await canceller.run(TestJobs.whoAmI) == "canceller")
                }
            }
        }

        @Test func theRootOfATreeRefusesAPeersCancel() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let child = try await nursery.startActor("child")
                    let root = Tractor.currentActor.name
                    await #expect {
                        try await child.run(TestJobs.cancelPeer, root)
                    } throws: { error in
                        guard let remote = error as? RemoteActorError else { return false }
                        return remote.description.contains("is the root of its tree")
                    }
                    // Nothing else was disturbed.
                    #expect(try await child.run(TestJobs.whoAmI) == "child")
                }
            }
        }
    }
}
