//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@_spi(Benchmarks) import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// Batch calls: many inputs of one job in one call, one result or error per input.
    @Suite(.timeLimit(.minutes(5)))
    struct BatchTests {
        @Test func eachInputGetsItsOwnResultInOrder() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("batcher")
                    let results = try await actor.run(TestJobs.squareUnlessNegative, batch: Array(0..<300))
                    #expect(try results.map { try $0.get() } == (0..<300).map { $0 * $0 })
                    let texts = try await actor.run(TestJobs.echo, batch: ["a", "", "ü"])
                    #expect(try texts.map { try $0.get() } == ["a", "", "ü"])
                    #expect(try await actor.run(TestJobs.echo, batch: []).isEmpty)
                }
            }
        }

        @Test func aFailingInputFailsAlone() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("batcher")
                    let results = try await actor.run(TestJobs.squareUnlessNegative, batch: [-1, 2, -3, 4])
                    #expect(results.count == 4)
                    #expect((try? results[1].get()) == 4)
                    #expect((try? results[3].get()) == 16)
                    for (index, value) in [(0, -1), (2, -3)] {
                        guard case .failure(let failure) = results[index], let error = failure as? RemoteActorError
                        else {
                            Issue.record("input \(index) should have failed with a RemoteActorError")
                            continue
                        }
                        #expect(error.typeName == "TractorTestJobs.TestJobError")
                        #expect(error.inputIndex == index)
                        #expect(error.message == "\(value) is negative")
                        #expect(error.job == "squareUnlessNegative")
                        #expect(error.source == actor.actor)
                    }
                    // A batch whose every input fails is still answered input by input.
                    let failed = try await actor.run(TestJobs.fail, batch: ["x", "y"])
                    #expect(failed.map { (try? $0.get()) == nil } == [true, true])
                }
            }
        }

        @Test func anUnknownJobFailsTheBatchAndTheActorServesOn() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("batcher")
                    let unknown = Job("notServed") { (x: Int) in x }
                    let error = await #expect(throws: RemoteActorError.self) {
                        try await actor.run(unknown, batch: [1, 2])
                    }
                    #expect(error?.code == "unknownJob")
                    // A streaming job is served, but not as a batch.
                    let streamed = await #expect(throws: RemoteActorError.self) {
                        try await actor.call(job: StreamTestJobs.tickThenWait.name, batch: [0x91, 0x01])
                    }
                    #expect(streamed?.code == "unknownJob")
                    #expect(try await actor.run(TestJobs.pid) == actor.actor.pid)
                }
            }
        }

        @Test func malformedInputsAreATypedErrorNotACrash() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("batcher")
                    // Not MessagePack at all; an array of the wrong type; one input where an array is due.
                    let integers = try MessagePackEncoder().encode([1, 2])
                    let single = try MessagePackEncoder().encode("a")
                    for inputs in [[0xc1], [], integers, single] as [[UInt8]] {
                        let error = await #expect(throws: RemoteActorError.self) {
                            try await actor.call(job: TestJobs.echo.name, batch: inputs)
                        }
                        #expect(error?.code == "decodingFailed")
                    }
                    #expect(try await actor.run(TestJobs.echo, batch: ["still here"]).first?.get() == "still here")
                }
            }
        }

        @Test func cancellingABatchStopsTheInputRunningAndSkipsTheRest() async throws {
            let first = ProcessTree.temporaryDirectory()
            let second = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("batcher")
                    let call = Task {
                        try await actor.run(TestJobs.sleepRecordingCancellation, batch: [first, second])
                    }
                    #expect(await ProcessTree.eventually(within: .seconds(30)) {
                        ProcessTree.recordedPIDs(in: first) == [actor.actor.pid]
                    })
                    call.cancel()
                    await #expect(throws: CancellationError.self) { try await call.value }
                    // The call ends with the actor's answer: by then the first input saw the cancellation, and the
                    // second never started.
                    #expect(recordedCancellations(in: first) == [actor.actor.pid])
                    #expect(ProcessTree.recordedPIDs(in: second).isEmpty)
                    #expect(try await actor.run(TestJobs.pid) == actor.actor.pid)
                }
            }
        }
    }
}
