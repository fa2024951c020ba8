//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// A message may hold 64 MiB: a result past it fails its call with a typed error, and nothing else.
    @Suite(.timeLimit(.minutes(3)))
    struct MessageLimitTests {
        @Test func aResultOverTheMessageLimitFailsItsCallAndTheActorServesOn() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("large")
                    await #expect {
                        _ = try await actor.run(TestJobs.bytes, 65 << 20)
                    } throws: { error in
                        guard let remote = error as? RemoteActorError else { return false }
                        return remote.code == "frameTooLarge" && remote.job == "bytes"
                            && remote.message.contains("64 MiB")
                    }
                    // Just under the limit passes, and the connection was never disturbed.
                    #expect(try await actor.run(TestJobs.bytes, 60 << 20).count == 60 << 20)
                    #expect(try await actor.run(TestJobs.whoAmI) == "large")
                }
            }
        }
    }
}
