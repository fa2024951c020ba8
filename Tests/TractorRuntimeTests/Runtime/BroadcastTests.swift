//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// One remote stream fanned out to several local receivers, under each policy, with one receiver slow.
    @Suite(.timeLimit(.minutes(3)))
    struct BroadcastTests {
        @Test func slowestHoldsProducerDeliversEveryElementToEveryReceiver() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("streamer")
                    let received = try await streamer.openStream(StreamTestJobs.ticker, 2_000) { stream in
                        try await stream.broadcast(to: 3, policy: .slowestHoldsProducer(buffer: 4)) { receivers in
                            try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
                                for (index, receiver) in receivers.enumerated() {
                                    group.addTask {
                                        var values: [Int] = []
                                        for try await value in receiver {
                                            values.append(value)
                                            // The first receiver is slow: it yields its thread after every element.
                                            if index == 0 { await Task.yield() }
                                        }
                                        return (index, values)
                                    }
                                }
                                var byReceiver: [Int: [Int]] = [:]
                                for try await (index, values) in group { byReceiver[index] = values }
                                return byReceiver
                            }
                        }
                    }
                    for index in 0..<3 { #expect(received[index] == Array(0..<2_000), "receiver \(index)") }
                }
            }
        }

        @Test func aReceiverThatStopsReadingHoldsTheProducerUntilItIsDetached() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("streamer")
                    // An endless stream; the first receiver reads 20 elements and then nothing.
                    try await streamer.openStream(StreamTestJobs.ticker, -1) { stream in
                        try await stream.broadcast(to: 3, policy: .slowestHoldsProducer(buffer: 8)) { receivers in
                            let counts = SharedCounts(2)
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                for fast in 0..<2 {
                                    group.addTask {
                                        for try await value in receivers[fast + 1] {
                                            let expected = counts.values.withLock { counts in
                                                defer { counts[fast] += 1 }
                                                return counts[fast]
                                            }
                                            #expect(value == expected)
                                            if value == 5_000 { return }
                                        }
                                    }
                                }
                                var slow = receivers[0].makeAsyncIterator()
                                for expected in 0..<20 { #expect(try await slow.next() == expected) }
                                // The fast ones get 8 more than the slow one has read (its buffer), and one that
                                // the pump holds, and no more.
                                #expect(await ProcessTree.eventually(within: .seconds(30)) {
                                    counts.values.withLock { $0.allSatisfy { $0 >= 28 } }
                                })
                                try await Task.sleep(for: .milliseconds(300))
                                for count in counts.values.withLock({ $0 }) { #expect(count <= 29) }
                                // Detached, it holds nothing: the others read on.
                                receivers[0].detach()
                                #expect(try await slow.next() == nil)
                                try await group.waitForAll()
                            }
                            for count in counts.values.withLock({ $0 }) { #expect(count == 5_001) }
                        }
                    }
                }
            }
        }

        @Test func aLaggingReceiverIsToldHowManyItMissed() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let streamer = try await nursery.startActor("streamer")
                    try await streamer.openStream(StreamTestJobs.ticker, 3_000) { stream in
                        try await stream.broadcast(to: 3, policy: .lagging(buffer: 16)) { receivers in
                            // Two receivers read as fast as they can (nothing waits for them either: they may lag
                            // too); the third reads only once they have finished, and so lags by all but 16.
                            try await withThrowingTaskGroup(of: (values: [Int], missed: Int).self) { group in
                                for fast in 1...2 { group.addTask { try await Self.readAll(receivers[fast]) } }
                                for try await (values, missed) in group {
                                    #expect(values.count + missed == 3_000)
                                    #expect(values == values.sorted() && Set(values).count == values.count)
                                    #expect(values.last == 2_999)
                                }
                            }
                            let (values, missed) = try await Self.readAll(receivers[0])
                            #expect(missed == 3_000 - 16)
                            #expect(values == Array((3_000 - 16)..<3_000))
                        }
                    }
                }
            }
        }

        /// Every value a lagging receiver reads, and how many it was told it missed.
        private static func readAll(_ receiver: BroadcastReceiver<Int>) async throws -> (values: [Int], missed: Int) {
            var iterator = receiver.makeAsyncIterator()
            var missed = 0
            var values: [Int] = []
            while true {
                do {
                    guard let value = try await iterator.next() else { break }
                    values.append(value)
                } catch let lagged as BroadcastLagged {
                    missed += lagged.missed
                }
            }
            return (values, missed)
        }

        @Test func theStreamsFailureReachesEveryReceiver() async throws {
            let seen = SharedCounts(0)
            let failures = SharedCounts(2)
            await #expect(throws: TractorError.self) {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let crasher = try await nursery.startActor("crasher")
                    try await crasher.openStream(StreamTestJobs.tickThenCrash, NoInput()) { stream in
                        try await stream.broadcast(to: 2) { receivers in
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                for (index, receiver) in receivers.enumerated() {
                                    group.addTask {
                                        do {
                                            // Each sees the ticks in order, as many as arrived before the crash.
                                            var expected = 0
                                            for try await value in receiver {
                                                #expect(value == expected)
                                                expected += 1
                                                seen.values.withLock { $0.append(value) }
                                            }
                                            Issue.record("a receiver saw its stream end without the crash")
                                        } catch {
                                            failures.values.withLock { $0[index] += 1 }
                                            throw error
                                        }
                                    }
                                }
                                try await group.waitForAll()
                            }
                        }
                    }
                }
            }
            #expect(failures.values.withLock { $0 } == [1, 1])
            #expect(seen.values.withLock { $0 }.allSatisfy { (0..<10).contains($0) })
        }

        @Test func badArgumentsAreTypedErrors() async throws {
            try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                let streamer = try await nursery.startActor("streamer")
                try await streamer.openStream(StreamTestJobs.ticker, 10) { stream in
                    await #expect(throws: TractorError.self) { try await stream.broadcast(to: 0) { _ in } }
                    await #expect(throws: TractorError.self) {
                        try await stream.broadcast(to: 2, policy: .lagging(buffer: 0)) { _ in }
                    }
                }
            }
        }
    }
}

/// Counters that several tasks of a test update.
private final class SharedCounts: Sendable {
    let values: Mutex<[Int]>

    init(_ count: Int) { values = Mutex(Array(repeating: 0, count: count)) }
}
