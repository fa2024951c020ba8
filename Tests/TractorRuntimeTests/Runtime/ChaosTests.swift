//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
import TractorTestSupport
@testable import TractorRuntime
import TractorTestJobs

extension SpawningTests {
    /// Actors killed at random moments while work streams through them.
    @Suite(.timeLimit(.minutes(3)))
    struct ChaosTests {
        static let actors = 4
        static let rounds = 6

        /// Each round starts four actors, keeps two streams, a context and a call open on each, and SIGKILLs one to
        /// three of them at random moments (seeded: set `TRACTOR_CHAOS_SEED` to replay a failure's seed).
        @Test func randomKillsUnderStreamingLoad() async throws {
            let seed = ProcessInfo.processInfo.environment["TRACTOR_CHAOS_SEED"].flatMap { UInt64($0) }
                ?? UInt64.random(in: 0...UInt64.max)
            var random = SplitMix64(seed: seed)
            let clock = ContinuousClock()
            let start = clock.now
            for round in 0..<Self.rounds {
                let count = Int.random(in: 1...3, using: &random)
                let victims = Array((0..<Self.actors).shuffled(using: &random).prefix(count))
                let delays = victims.map { _ in Duration.milliseconds(Int.random(in: 0..<250, using: &random)) }
                try await runRound(ChaosPlan(victims: victims, delays: delays), context: "seed \(seed), round \(round)")
            }
            #expect(clock.now - start < .seconds(60), "seed \(seed)")
        }

        private func runRound(_ plan: ChaosPlan, context: Comment) async throws {
            let record = ChaosRecord()
            let scopeError: (any Error)? = try await ProcessTree.checkingLeaks {
                do {
                    try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                        var portals: [Portal] = []
                        for index in 0..<Self.actors { portals.append(try await nursery.startActor("chaos\(index)")) }
                        record.actors = portals.map(\.actor)
                        // The work and the killer run outside the body's task, so that the body's cancellation (the
                        // first death fails the nursery) does not end a call before a death reaches it: every call ends
                        // either by its actor's death or by the nursery's teardown. The body waits for them all.
                        var work: [Task<Void, Never>] = []
                        for (index, portal) in portals.enumerated() {
                            work += Self.startWork(on: portal, index: index, record: record)
                        }
                        let flowing = await ProcessTree.eventually(within: .seconds(60)) {
                            record.flowing == 3 * Self.actors
                        }
                        #expect(flowing, context)
                        let killer = Task {
                            for (victim, delay) in zip(plan.victims, plan.delays) {
                                try? await Task.sleep(for: delay)
                                portals[victim].child?.process.signal(SIGKILL)
                            }
                        }
                        for task in work { await task.value }
                        await killer.value
                        // A body that rethrows a death it saw adds no error of its own.
                        if let death = record.outcomes.compactMap(\.error).first(where: Self.isCrash) { throw death }
                    }
                    return nil
                } catch {
                    return error
                }
            }
            try check(scopeError: scopeError, record: record, plan: plan, context: context)
        }

        private func check(scopeError: (any Error)?, record: ChaosRecord, plan: ChaosPlan, context: Comment) throws {
            let error = try #require(scopeError, "a killed actor fails the nursery; \(context)")
            let reported = (error as? ActorNurseryError)?.errors ?? [error]
            let actors = record.actors
            // Each error is the death of one actor the test killed, and no actor died twice.
            var deaths: [Int: String] = [:]
            for death in reported {
                let crash = death as? TractorError
                #expect(crash?.code == .actorCrashed, "\(death); \(context)")
                let named = actors.indices.filter { crash?.message.contains(actors[$0].description) == true }
                #expect(named.count == 1, "\(death); \(context)")
                guard let index = named.first else { continue }
                #expect(plan.victims.contains(index), "\(death) names an actor nobody killed; \(context)")
                #expect(deaths[index] == nil, "actor \(index) reported twice: \(reported); \(context)")
                deaths[index] = String(describing: death)
            }
            #expect(!deaths.isEmpty, "\(context)")
            // Every call ended once; a call on an actor whose death was reported failed with that death, any other
            // call with the teardown's cancellation.
            let outcomes = record.outcomes
            #expect(outcomes.count == 4 * Self.actors, "\(context)")
            for outcome in outcomes {
                let label = "\(outcome.kind) on chaos\(outcome.actor)"
                guard let callError = outcome.error else {
                    Issue.record("\(label) ended without an error; \(context)")
                    continue
                }
                if let death = deaths[outcome.actor] {
                    #expect(String(describing: callError) == death, "\(label): \(callError); \(context)")
                } else {
                    #expect(Self.isCancellation(callError), "\(label): \(callError); \(context)")
                }
            }
        }

        /// Two streams, a context and a call on `portal`, each recording how it ended.
        private static func startWork(on portal: Portal, index: Int, record: ChaosRecord) -> [Task<Void, Never>] {
            let streams = (0..<2).map { _ in
                Task {
                    do {
                        try await portal.openStream(StreamTestJobs.ticker, -1) { stream in
                            var first = true
                            for try await _ in stream where first {
                                first = false
                                record.flowed()
                            }
                        }
                        record.ended(actor: index, kind: "stream", nil)
                    } catch {
                        record.ended(actor: index, kind: "stream", error)
                    }
                }
            }
            let context = Task {
                do {
                    try await portal.openContext(StreamTestJobs.echoUntilEnd, 0) { context, _ in
                        var iterator = context.stream.makeAsyncIterator()
                        var value = 0
                        while true {
                            try await context.stream.send(value)
                            guard try await iterator.next() == value else { throw TestJobError("echo out of order") }
                            if value == 0 { record.flowed() }
                            value += 1
                        }
                    }
                    record.ended(actor: index, kind: "context", nil)
                } catch {
                    record.ended(actor: index, kind: "context", error)
                }
            }
            let call = Task {
                do {
                    _ = try await portal.run(TestJobs.sleep, 3_600_000)
                    record.ended(actor: index, kind: "call", nil)
                } catch {
                    record.ended(actor: index, kind: "call", error)
                }
            }
            return streams + [context, call]
        }

        static func isCrash(_ error: any Error) -> Bool {
            (error as? TractorError)?.code == .actorCrashed
        }

        /// What a call ended by its nursery's teardown (not by a death) may fail with.
        static func isCancellation(_ error: any Error) -> Bool {
            switch error {
            case is CancellationError: true
            case let error as TractorError: error.code == .cancelled
            case let error as ContextCancelled: error.canceller == Tractor.currentActor
            default: false
            }
        }
    }
}

/// Which actors a chaos round kills, and how long before each kill.
private struct ChaosPlan {
    var victims: [Int]
    var delays: [Duration]
}

/// How the calls of a chaos round ended, written from their tasks.
private final class ChaosRecord: Sendable {
    struct Outcome {
        var actor: Int
        var kind: String
        var error: (any Error)?
    }

    private struct State {
        var actors: [ActorID] = []
        var outcomes: [Outcome] = []
        var flowing = 0
    }

    private let state = Mutex(State())

    var actors: [ActorID] {
        get { state.withLock { $0.actors } }
        set { state.withLock { $0.actors = newValue } }
    }

    var outcomes: [Outcome] { state.withLock { $0.outcomes } }

    var flowing: Int { state.withLock { $0.flowing } }

    func flowed() {
        state.withLock { $0.flowing += 1 }
    }

    func ended(actor: Int, kind: String, _ error: (any Error)?) {
        state.withLock { $0.outcomes.append(Outcome(actor: actor, kind: kind, error: error)) }
    }
}
