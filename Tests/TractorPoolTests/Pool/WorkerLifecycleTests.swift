//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// Every event of a worker's life in every phase, against a table written out by hand.
@Suite struct WorkerLifecycleTests {
    typealias Phase = WorkerLifecycle.Phase

    static let phases: [Phase] = [.idle, .starting, .ready, .retiring, .killing, .lost, .terminating, .exited]

    enum Event: String, CaseIterable, CustomStringConvertible {
        case start, started, startFailed, connectionLost, graceExpired, terminate, retire, exited, slotsEnded, stopped
        var description: String { rawValue }
    }

    /// A lifecycle driven into `phase` by events only (generation 0 unless idle).
    static func lifecycle(in phase: Phase) -> WorkerLifecycle {
        var worker = WorkerLifecycle()
        guard phase != .idle else { return worker }
        _ = worker.start()
        switch phase {
        case .idle, .starting: break
        case .ready: _ = worker.started(pid: 42)
        case .retiring: _ = worker.started(pid: 42); worker.retire()
        case .killing: _ = worker.started(pid: 42); _ = worker.graceExpired()
        case .lost: _ = worker.started(pid: 42); _ = worker.connectionLost()
        case .terminating: _ = worker.started(pid: 42); _ = worker.terminate()
        case .exited: _ = worker.started(pid: 42); _ = worker.exited()
        }
        #expect(worker.phase == phase)
        return worker
    }

    /// What an event returned, as text, and the phase after it.
    static func apply(_ event: Event, to worker: inout WorkerLifecycle) -> String {
        switch event {
        case .start: return worker.start().map { "generation \($0)" } ?? "nil"
        case .started: return "\(worker.started(pid: 7))"
        case .startFailed: worker.startFailed(); return "-"
        case .connectionLost: return "\(worker.connectionLost())"
        case .graceExpired: return "\(worker.graceExpired())"
        case .terminate: return "\(worker.terminate())"
        case .retire: worker.retire(); return "-"
        case .exited: return worker.exited().map { "\($0)" } ?? "nil"
        case .slotsEnded: return "\(worker.slotsEnded())"
        case .stopped: return worker.stopped().map { "\($0)" } ?? "nil"
        }
    }

    /// phase → event → (phase after, result).
    static let table: [Phase: [Event: (Phase, String)]] = [
        .idle: [
            .start: (.starting, "generation 0"), .started: (.idle, "false"), .startFailed: (.idle, "-"),
            .connectionLost: (.idle, "false"), .graceExpired: (.idle, "false"), .terminate: (.idle, "false"),
            .retire: (.idle, "-"), .exited: (.idle, "nil"), .slotsEnded: (.idle, "awaitExit"), .stopped: (.idle, "nil"),
        ],
        .starting: [
            .start: (.starting, "nil"), .started: (.ready, "true"), .startFailed: (.idle, "-"),
            .connectionLost: (.lost, "true"), .graceExpired: (.starting, "false"), .terminate: (.terminating, "true"),
            .retire: (.starting, "-"), .exited: (.exited, "crashed"), .slotsEnded: (.retiring, "retire"),
            .stopped: (.idle, "crashed"),
        ],
        .ready: [
            .start: (.ready, "nil"), .started: (.ready, "false"), .startFailed: (.ready, "-"),
            .connectionLost: (.lost, "true"), .graceExpired: (.killing, "true"), .terminate: (.terminating, "true"),
            .retire: (.retiring, "-"), .exited: (.exited, "crashed"), .slotsEnded: (.retiring, "retire"),
            .stopped: (.idle, "crashed"),
        ],
        .retiring: [
            .start: (.retiring, "nil"), .started: (.retiring, "false"), .startFailed: (.retiring, "-"),
            .connectionLost: (.lost, "true"), .graceExpired: (.killing, "true"), .terminate: (.terminating, "true"),
            .retire: (.retiring, "-"), .exited: (.exited, "crashed"), .slotsEnded: (.retiring, "retire"),
            .stopped: (.idle, "crashed"),
        ],
        .killing: [
            .start: (.killing, "nil"), .started: (.killing, "false"), .startFailed: (.killing, "-"),
            .connectionLost: (.killing, "false"), .graceExpired: (.killing, "false"),
            .terminate: (.terminating, "true"), .retire: (.killing, "-"), .exited: (.exited, "requeue"),
            .slotsEnded: (.killing, "awaitExit"), .stopped: (.idle, "requeue"),
        ],
        .lost: [
            .start: (.lost, "nil"), .started: (.lost, "false"), .startFailed: (.lost, "-"),
            .connectionLost: (.lost, "false"), .graceExpired: (.lost, "false"), .terminate: (.terminating, "true"),
            .retire: (.lost, "-"), .exited: (.exited, "crashed"), .slotsEnded: (.lost, "awaitExit"),
            .stopped: (.idle, "crashed"),
        ],
        .terminating: [
            .start: (.terminating, "nil"), .started: (.terminating, "false"), .startFailed: (.terminating, "-"),
            .connectionLost: (.terminating, "false"), .graceExpired: (.terminating, "false"),
            .terminate: (.terminating, "false"), .retire: (.terminating, "-"), .exited: (.exited, "terminated"),
            .slotsEnded: (.terminating, "awaitExit"), .stopped: (.idle, "terminated"),
        ],
        .exited: [
            .start: (.exited, "nil"), .started: (.exited, "false"), .startFailed: (.exited, "-"),
            .connectionLost: (.exited, "false"), .graceExpired: (.exited, "false"), .terminate: (.exited, "false"),
            .retire: (.exited, "-"), .exited: (.exited, "nil"), .slotsEnded: (.exited, "awaitExit"),
            .stopped: (.idle, "nil"),
        ],
    ]

    @Test(arguments: phases)
    func everyEventInPhase(_ phase: Phase) throws {
        let row = try #require(Self.table[phase])
        #expect(row.count == Event.allCases.count, "the table covers every event in \(phase)")
        for event in Event.allCases {
            var worker = Self.lifecycle(in: phase)
            let result = Self.apply(event, to: &worker)
            let (expectedPhase, expectedResult) = try #require(row[event])
            #expect(worker.phase == expectedPhase, "\(phase) + \(event)")
            #expect(result == expectedResult, "\(phase) + \(event)")
        }
    }

    @Test func onlyAReadyWorkerTakesChunksAndOnlyALiveOneMayBeAlive() {
        for phase in Self.phases {
            let worker = Self.lifecycle(in: phase)
            #expect(worker.takesChunks == (phase == .ready), "\(phase)")
            #expect(worker.mayBeAlive == (phase != .idle && phase != .exited), "\(phase)")
        }
    }

    @Test func eachStartIsANewGenerationWithNothingInFlight() {
        var worker = Self.lifecycle(in: .ready)
        worker.inFlight = 3
        worker.accepted = 10
        _ = worker.exited()
        _ = worker.stopped()
        #expect(worker.start() == 1)
        #expect(worker.inFlight == 0 && worker.accepted == 0 && worker.pid == 0)
        #expect(worker.isCurrent(WorkerRef(index: 0, generation: 1)))
        #expect(!worker.isCurrent(WorkerRef(index: 0, generation: 0)), "reports about the old process are stale")
    }
}
