//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// Streams and two-way contexts with credit-based flow control, between real processes.
    @Suite(.timeLimit(.minutes(3)))
    struct StreamTests {
        @Test func streamDeliversEveryElementInOrder() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("streamer")
                    let received = try await streamer.openStream(StreamTestJobs.ticker, 5_000) { stream in
                        var received: [Int] = []
                        for try await tick in stream { received.append(tick) }
                        return received
                    }
                    #expect(received == Array(0..<5_000))
                }
            }
        }

        @Test func infiniteStreamInACancelledScopeEndsPromptlyAndTheRemoteTaskIsGone() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("forever")
                    let consumer = Task {
                        try await streamer.openStream(StreamTestJobs.tickerRecordingCancellation, directory) { stream in
                            var count = 0
                            for try await _ in stream { count += 1 }
                            return count
                        }
                    }
                    // Wait until the stream flows, then cancel the consuming scope.
                    #expect(await ProcessTree.eventually(within: .seconds(30)) {
                        (try? await streamer.run(StreamTestJobs.activeStreams)) == 1
                    })
                    let clock = ContinuousClock()
                    let start = clock.now
                    consumer.cancel()
                    await #expect(throws: CancellationError.self) { try await consumer.value }
                    #expect(clock.now - start < .seconds(5))
                    #expect(try await streamer.run(StreamTestJobs.activeStreams) == 0)
                    // The job itself saw the cancellation, as Swift cancellation.
                    #expect(recordedCancellations(in: directory) == [streamer.actor.pid])
                }
            }
        }

        @Test func consumerReturningEarlyCancelsTheJobWithoutAnError() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("early")
                    let firstTen = try await streamer.openStream(StreamTestJobs.tickerRecordingCancellation, directory) {
                        stream in
                        var taken: [Int] = []
                        for try await tick in stream {
                            taken.append(tick)
                            if taken.count == 10 { break }
                        }
                        return taken
                    }
                    #expect(firstTen == Array(0..<10))
                    #expect(try await streamer.run(StreamTestJobs.activeStreams) == 0)
                    #expect(recordedCancellations(in: directory) == [streamer.actor.pid])
                }
            }
        }

        @Test func pingPongContext() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let partner = try await nursery.startActor("partner")
                    let (first, pongs, result) = try await partner.openContext(StreamTestJobs.pingPong, 10) {
                        context, started in
                        var pongs = 0
                        for _ in 0..<10 {
                            try await context.stream.send("ping")
                        }
                        for try await reply in context.stream {
                            #expect(reply == "pong")
                            pongs += 1
                            if pongs == 10 { break }
                        }
                        context.stream.finish()
                        return (started, pongs, try await context.result())
                    }
                    #expect(first == 10)
                    #expect(pongs == 10)
                    #expect(result == 10)
                }
            }
        }

        @Test func contextCancelledByTheCallerIsNotAnError() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let partner = try await nursery.startActor("partner")
                    let outcome = try await partner.openContext(StreamTestJobs.pingPongRecordingCancellation, directory) {
                        context, _ in
                        try await context.stream.send("ping")
                        context.cancel()
                        return "left early"
                    }
                    #expect(outcome == "left early")
                    // The job itself saw the cancellation, as Swift cancellation, before the context ended.
                    #expect(recordedCancellations(in: directory) == [partner.actor.pid])
                    #expect(try await partner.run(TestJobs.echo, "alive") == "alive")
                }
            }
        }

        @Test func slowConsumerBoundsTheProducerAndMemoryStaysFlat() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let producer = try await nursery.startActor("producer")
                    let fast = try await nursery.startActor("fast")
                    let window = 16
                    let input = ProducerInput(count: 10_000, payloadBytes: 16 << 10)
                    try await producer.openStream(StreamTestJobs.producer, input, window: window) { stream in
                        var consumed = 0
                        var maximumLead = 0
                        var rssAfterWarmUp: (parent: Int, child: Int) = (0, 0)
                        for try await element in stream {
                            #expect(element.count == 16 << 10)
                            consumed += 1
                            if consumed <= 200 {
                                // The slow phase: one element per 10 ms; the producer may lead by the window only.
                                try await Task.sleep(for: .milliseconds(10))
                                let sent = try await producer.run(StreamTestJobs.producerProgress)
                                maximumLead = max(maximumLead, sent - consumed)
                            }
                            if consumed == 100 {
                                // Meanwhile a second stream on another actor runs at full speed.
                                let fastCount = try await fast.openStream(StreamTestJobs.ticker, 20_000) { fastStream in
                                    var count = 0
                                    for try await _ in fastStream { count += 1 }
                                    return count
                                }
                                #expect(fastCount == 20_000)
                            }
                            if consumed == 1_000 {
                                rssAfterWarmUp = (residentSetSize(), try await producer.run(StreamTestJobs.residentBytes))
                            }
                        }
                        #expect(consumed == 10_000)
                        #expect(maximumLead <= window)
                        let parentGrowth = residentSetSize() - rssAfterWarmUp.parent
                        let childGrowth = try await producer.run(StreamTestJobs.residentBytes) - rssAfterWarmUp.child
                        // 9,000 more elements of 16 KiB went through: 140 MiB had anything buffered them all.
                        #expect(parentGrowth < 32 << 20)
                        #expect(childGrowth < 32 << 20)
                    }
                }
            }
        }

        @Test func stalledStreamDoesNotStallAnotherOnTheSameChannel() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("shared")
                    try await actor.openStream(StreamTestJobs.ticker, -1, window: 4) { stalled in
                        var stalledIterator = stalled.makeAsyncIterator()
                        #expect(try await stalledIterator.next() == 0)
                        // The first stream now sits on a full window, unread, on the same connection.
                        let count = try await actor.openStream(StreamTestJobs.ticker, 50_000) { fast in
                            var count = 0
                            for try await _ in fast { count += 1 }
                            return count
                        }
                        #expect(count == 50_000)
                        #expect(try await stalledIterator.next() == 1)
                    }
                }
            }
        }

        @Test func fanInThroughAnAggregatorDeliversEachValueOnceInOrder() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let aggregator = try await nursery.startActor("aggregator")
                    let values = try await aggregator.openStream(StreamTestJobs.aggregate, 1_000) { stream in
                        var values: [Int] = []
                        for try await value in stream { values.append(value) }
                        return values
                    }
                    #expect(values == Array(0..<1_000))
                }
            }
        }

        @Test func cancellingTheFanInMidwayLeavesNoProcess() async throws {
            let directory = ProcessTree.temporaryDirectory()
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let aggregator = try await nursery.startActor("aggregator")
                    _ = try await aggregator.run(TestJobs.recordSelf, directory)
                    let got = try await aggregator.openStream(StreamTestJobs.aggregate, -1) { stream in
                        var values: [Int] = []
                        for try await value in stream {
                            values.append(value)
                            if values.count == 500 { break }
                        }
                        return values
                    }
                    #expect(got == Array(0..<500))
                }
            }
            #expect(ProcessTree.recordedPIDs(in: directory).allSatisfy { !ProcessTree.isAlive($0) })
        }

        @Test func childCrashingMidStreamEndsTheIterationWithAnErrorNamingIt() async throws {
            try await ProcessTree.checkingLeaks {
                await #expect(throws: TractorError.self) {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        let victim = try await nursery.startActor("victim")
                        var received = 0
                        var errors: [String] = []
                        let clock = ContinuousClock()
                        var lastElement = clock.now
                        do {
                            try await victim.openStream(StreamTestJobs.tickThenWait, 10) { stream in
                            var iterator = stream.makeAsyncIterator()
                            // Every element sent before the death arrives; then the failure, again at each call.
                            for _ in 0..<3 {
                                do {
                                    while try await iterator.next() != nil {
                                        received += 1
                                        lastElement = clock.now
                                        if received == 10 { kill(victim.actor.pid, SIGKILL) }
                                    }
                                    Issue.record("the stream of a killed actor ended without an error")
                                } catch {
                                    errors.append(String(describing: error))
                                    let crash = try #require(error as? TractorError)
                                    #expect(crash.code == .actorCrashed)
                                    #expect(crash.message.contains("SIGKILL"))
                                    #expect(crash.message.contains(victim.actor.description))
                                }
                            }
                            }
                            Issue.record("the stream of a killed actor ended without an error")
                        } catch {
                            // The scope ends with the same error: the job did not return.
                            errors.append(String(describing: error))
                        }
                        #expect(clock.now - lastElement < .seconds(5))
                        #expect(received == 10)
                        #expect(errors.count == 4)
                        #expect(Set(errors).count == 1)
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
            }
        }

        @Test func nextAfterTheEndOfAStreamKeepsReturningNil() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("streamer")
                    let (values, afterTheEnd) = try await streamer.openStream(StreamTestJobs.ticker, 10) { stream in
                        var iterator = stream.makeAsyncIterator()
                        var values: [Int] = []
                        while let value = try await iterator.next() { values.append(value) }
                        var afterTheEnd: [Int?] = []
                        for _ in 0..<3 { afterTheEnd.append(try await iterator.next()) }
                        return (values, afterTheEnd)
                    }
                    #expect(values == Array(0..<10))
                    #expect(afterTheEnd == [nil, nil, nil])
                }
            }
        }

        @Test func nextAfterTheEndOfAContextKeepsReturningNilInBothDirections() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let partner = try await nursery.startActor("partner")
                    let (echoed, afterTheEnd, jobNils) = try await partner.openContext(StreamTestJobs.echoUntilEnd, 0) {
                        context, _ in
                        for value in 0..<10 { try await context.stream.send(value) }
                        context.stream.finish()
                        var iterator = context.stream.makeAsyncIterator()
                        var echoed: [Int] = []
                        while let value = try await iterator.next() { echoed.append(value) }
                        var afterTheEnd: [Int?] = []
                        for _ in 0..<3 { afterTheEnd.append(try await iterator.next()) }
                        return (echoed, afterTheEnd, try await context.result())
                    }
                    #expect(echoed == Array(0..<10))
                    #expect(afterTheEnd == [nil, nil, nil])
                    // The job asked its own iterator three more times after the caller finished: nil each time.
                    #expect(jobNils == 3)
                }
            }
        }
    }
}

