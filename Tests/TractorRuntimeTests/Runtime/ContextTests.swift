//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// How a context's misuse and its cancellation reach the caller.
    @Suite(.timeLimit(.minutes(3)))
    struct ContextTests {
        @Test(arguments: [false, true])
        func startedTwiceIsAnErrorTheCallerHears(ignoreTheError: Bool) async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let partner = try await nursery.startActor("partner")
                    let error = await #expect(throws: RemoteActorError.self) {
                        try await partner.openContext(StreamTestJobs.startedTwice, ignoreTheError) { context, first in
                            #expect(first == 1)
                            return try await context.result()
                        }
                    }
                    #expect(error?.code == "protocolViolation")
                    #expect(error?.message.contains("started(_:) was called twice") == true)
                    #expect(error?.job == "startedTwice")
                    #expect(error?.source == partner.actor)
                    // The misuse failed one context, not the actor.
                    #expect(try await partner.run(TestJobs.echo, "alive") == "alive")
                }
            }
        }

        @Test func contextCancelledByTheParentsCancelActorNamesTheParent() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let partner = try await nursery.startActor("partner")
                    let error = await #expect(throws: ContextCancelled.self) {
                        try await partner.openContext(StreamTestJobs.pingPongRecordingCancellation, directory) {
                            context, _ in
                            try await context.stream.send("ping")
                            var iterator = context.stream.makeAsyncIterator()
                            #expect(try await iterator.next() == "pong")
                            // The job is in its loop now; its actor is cancelled under it.
                            let outcome = try await partner.cancelActor()
                            #expect(outcome.step == .cancelled)
                            while try await iterator.next() != nil {}
                        }
                    }
                    #expect(error?.canceller == Tractor.currentActor)
                    #expect(error?.job == "pingPongRecordingCancellation")
                    // The job itself saw the cancellation, as Swift cancellation, before its actor exited.
                    #expect(recordedCancellations(in: directory) == [partner.actor.pid])
                }
            }
        }
    }
}
