//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport

@testable import TractorRuntime

/// The runtime's state machines under seeded random sequences of their events, with invariants checked after each
/// step. A failure names its seed; `TRACTOR_MODEL_SEED=<seed>` replays that one alone.
@Suite struct StateMachineModelTests {
    static func seeds(_ count: Int) -> [UInt64] {
        ProcessInfo.processInfo.environment["TRACTOR_MODEL_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? (1...UInt64(count)).map { $0 &* 0x2545_F491 }
    }

    // MARK: Stream flow control

    /// A sender and a receiver joined by an in-order channel, sending `total` elements: nothing is lost, duplicated or
    /// reordered, the receiver's buffer never holds more than the window, a well-behaved sender never overruns it,
    /// and the stream always gets to its end (no credit is lost).
    @Test func flowControlNeverLosesReordersOrOverrunsAndAlwaysFinishes() {
        for seed in Self.seeds(300) {
            var random = SplitMix64(seed: seed)
            let window = Int.random(in: 1...16, using: &random)
            let total = Int.random(in: 0...200, using: &random)
            var inbound = InboundFlowStateMachine(window: window)
            var outbound = OutboundFlowStateMachine()
            outbound.granted(window)
            enum Frame { case element(Int), stop }
            var toReceiver: [Frame] = []
            var toSender: [Int] = []
            var sent = 0
            var received: [Int] = []
            var pending: [Int] = []
            var finished = false
            func failure(_ text: String) -> String { "seed \(seed) (window \(window), \(total) elements): \(text)" }

            for _ in 0..<20_000 where !finished {
                switch Int.random(in: 0..<5, using: &random) {
                case 0:
                    // The sender sends what its credit allows, then stops once everything is out.
                    if sent < total, case .send = outbound.send() {
                        toReceiver.append(.element(sent))
                        sent += 1
                    } else if sent == total, outbound.finish() {
                        toReceiver.append(.stop)
                    }
                case 1:
                    guard !toReceiver.isEmpty else { break }
                    switch toReceiver.removeFirst() {
                    case .element(let value):
                        let action = withUnsafeBytes(of: value) { inbound.received($0) }
                        if case .overrun = action {
                            Issue.record(Comment(rawValue: failure("a sender within its credit overran the window")))
                            return
                        }
                    case .stop:
                        _ = inbound.ended(.finished)
                    }
                case 2:
                    switch inbound.take() {
                    case .elements(let batch):
                        for index in 0..<batch.count {
                            pending.append(batch.withPayload(at: index) { $0.load(as: Int.self) })
                        }
                        inbound.recycle(PayloadBatch())
                    case .finished:
                        finished = pending.isEmpty
                    case .failed(let error):
                        Issue.record(Comment(rawValue: failure("the stream failed: \(error)")))
                        return
                    case .suspend:
                        break
                    }
                case 3:
                    // The consumer uses some of what it took; credit goes back when the machine says.
                    let count = Int.random(in: 0...pending.count, using: &random)
                    received += pending.prefix(count)
                    pending.removeFirst(count)
                    let credit = inbound.consumed(count)
                    if credit > 0 { toSender.append(credit) }
                default:
                    if !toSender.isEmpty { outbound.granted(toSender.removeFirst()) }
                }
                if inbound.buffered > window {
                    Issue.record(Comment(rawValue: failure("\(inbound.buffered) buffered, over the window")))
                    return
                }
            }
            #expect(finished, "\(failure("the stream never finished: \(received.count) received, \(sent) sent"))")
            #expect(received == Array(0..<total), "\(failure("elements lost, duplicated or reordered"))")
        }
    }

    // MARK: Nursery supervision

    /// Random failures (some echoes of cancellation, some repeats of one actor's death), starts, exits and
    /// cancellations: the errors are one per failed actor, in order, never an echo; exactly one failure is the first;
    /// a waiter for the nursery to empty wakes once every actor is gone, and not before.
    @Test func nurseryKeepsOneErrorPerFailedActorAndNoEchoes() {
        struct Death: Error, Equatable { var actor: String }
        for seed in Self.seeds(300) {
            var random = SplitMix64(seed: seed)
            var machine = NurseryStateMachine<String, Int, Int>()
            var living: Set<String> = []
            var starting: Set<String> = []
            var failed: [String] = []
            var firsts = 0
            var nextActor = 0
            var emptyWaiters: Set<Int> = []
            var woken: Set<Int> = []
            var nextWaiter = 0
            var wokeEarly = false
            func failure(_ text: String) -> String { "seed \(seed): \(text)" }
            func wake(_ waiters: [Int]) {
                if !waiters.isEmpty, !living.isEmpty || !starting.isEmpty { wokeEarly = true }
                woken.formUnion(waiters)
            }

            for _ in 0..<300 {
                switch Int.random(in: 0..<8, using: &random) {
                case 0:
                    let id = "a\(nextActor)"
                    nextActor += 1
                    if machine.refusal != nil { break }
                    _ = machine.startedProcess(id, stop: nextActor)
                    starting.insert(id)
                case 1:
                    guard let id = starting.randomElement(using: &random) else { break }
                    starting.remove(id)
                    if machine.admit(id, id) == nil { living.insert(id) }
                    wake(machine.finishedStarting(id))
                case 2, 3:
                    guard let id = living.randomElement(using: &random) else { break }
                    // A death, reported once by its exit and again by each call it failed.
                    for _ in 0..<Int.random(in: 1...3, using: &random) {
                        if machine.failed(Death(actor: id), actor: id) { firsts += 1 }
                    }
                    if !failed.contains(id) { failed.append(id) }
                case 4:
                    guard let id = living.randomElement(using: &random) else { break }
                    // Echoes of a cancellation are no failure.
                    let echo: any Error = Bool.random(using: &random)
                        ? CancellationError() : TractorError(.cancelled, "cancelled")
                    if machine.failed(echo, actor: id) { firsts += 1 }
                case 5:
                    guard let id = living.randomElement(using: &random) else { break }
                    living.remove(id)
                    wake(machine.exited(id))
                case 6:
                    _ = machine.cancelAll(failing: Bool.random(using: &random))
                default:
                    let waiter = nextWaiter
                    nextWaiter += 1
                    emptyWaiters.insert(waiter)
                    if let now = machine.waitUntilEmpty(waiter) { wake([now]) }
                }
                let deaths = machine.errors.compactMap { ($0 as? Death)?.actor }
                guard deaths.count == machine.errors.count, deaths == failed else {
                    Issue.record(Comment(rawValue: failure("errors \(machine.errors), failures \(failed)")))
                    return
                }
                guard firsts == (failed.isEmpty ? 0 : 1) else {
                    Issue.record(Comment(rawValue: failure("\(firsts) first failures for \(failed.count) failed")))
                    return
                }
                if living.isEmpty, starting.isEmpty, !emptyWaiters.isSubset(of: woken) {
                    Issue.record(Comment(rawValue: failure("empty, but waiters \(emptyWaiters.subtracting(woken)) sleep")))
                    return
                }
                if wokeEarly {
                    Issue.record(Comment(rawValue: failure("a waiter woke before the nursery emptied")))
                    return
                }
            }
        }
    }
}

