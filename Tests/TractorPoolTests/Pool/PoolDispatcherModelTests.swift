//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport

@testable import TractorPool

/// The dispatcher's state machine under seeded random sequences of every event in every phase, with its invariants
/// checked after each step: a failure prints its seed, and `TRACTOR_MODEL_SEED=<seed>` replays it alone.
@Suite struct PoolDispatcherModelTests {
    typealias Machine = PoolDispatcherStateMachine<UInt64, SlotID>

    @Test func randomEventSequencesKeepTheInvariants() throws {
        let seeds: [UInt64] = ProcessInfo.processInfo.environment["TRACTOR_MODEL_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? (1...300).map { UInt64($0) &* 0x9E37_79B9 }
        for seed in seeds {
            var model = DispatcherModel(seed: seed)
            model.run(steps: 400)
            if let violation = model.violation {
                Issue.record("seed \(seed) (replay with TRACTOR_MODEL_SEED=\(seed)): step \(model.step): \(violation)")
                return
            }
        }
    }
}

/// A shell written for the model: slots, workers and deliveries as plain values, driven by a seeded generator.
struct DispatcherModel {
    typealias Machine = PoolDispatcherStateMachine<UInt64, SlotID>

    var machine: Machine
    var random: SplitMix64
    var now = ContinuousClock.now
    var step = 0
    var violation: String?

    /// Chunks submitted, delivered (how many times each), and those that may still end.
    var submitted: Set<UInt64> = []
    var deliveries: [UInt64: Int] = [:]
    var nextChunk: UInt64 = 1
    var nextSlot: UInt64 = 1
    /// Slots waiting for a chunk, by worker; slots running chunks.
    var waiting: [SlotID: WorkerRef] = [:]
    var runningOn: [UInt64: (slot: SlotID, worker: WorkerRef)] = [:]
    /// Workers that were signalled and whose exit is due, and workers the shell has started.
    var dueExits: Set<WorkerRef> = []
    var live: [Int: WorkerRef] = [:]
    var shutDown = false

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        let workers = Int.random(in: 1...3, using: &random)
        machine = Machine(
            configuration: .init(
                workerCount: workers,
                queueCapacity: Int.random(in: 1...6, using: &random),
                maximumJobsPerWorker: Bool.random(using: &random) ? nil : Int.random(in: 1...5, using: &random),
                cancellationGrace: .milliseconds(500),
                targetChunkDuration: .milliseconds(5),
                maximumChunkSize: 100,
                window: Int.random(in: 1...4, using: &random)
            )
        )
    }

    mutating func run(steps: Int) {
        while step < steps, violation == nil {
            step += 1
            act()
            check()
        }
        // Drain: stop every worker, as the scope's end does; every chunk must then have ended exactly once.
        guard violation == nil else { return }
        perform(machine.cancelAll(now: now))
        for _ in 0..<50 {
            for worker in live.values { exit(worker) }
            for index in machine.workers.indices where machine.workers[index].phase == .exited {
                stop(index)
            }
            if machine.running.isEmpty, machine.queue.isEmpty { break }
        }
        check()
        let undelivered = submitted.filter { deliveries[$0] == nil }
        if violation == nil, !undelivered.isEmpty { violation = "chunks never ended: \(undelivered.sorted())" }
        if violation == nil, !machine.didFinish { violation = "the pool never finished" }
    }

    mutating func act() {
        now += .milliseconds(Int.random(in: 0...200, using: &random))
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<8: startWorker()
        case 8..<30: enqueue()
        case 30..<50: askForChunk()
        case 50..<65: returnChunk()
        case 65..<70: failChunk()
        case 70..<75: cancelChunk()
        case 75..<80: perform(machine.deadlinesPassed(now: now))
        case 80..<85: crashWorker()
        case 85..<88: loseConnection()
        case 88..<93: endSlots()
        case 93..<95:
            shutDown = true
            perform(machine.shutdown(cancelPending: Bool.random(using: &random)))
        case 95..<96:
            shutDown = true
            perform(machine.terminateWorkers(signal: 15, now: now))
        default:
            for worker in dueExits { exit(worker) }
        }
    }

    // MARK: Events

    mutating func startWorker() {
        let index = Int.random(in: 0..<machine.workers.count, using: &random)
        guard let worker = machine.startWorker(index) else { return }
        if Int.random(in: 0..<4, using: &random) == 0 {
            let (_, actions) = machine.workerFailedToStart(worker, error: ModelError.startFailed)
            perform(actions)
        } else if machine.workerStarted(worker, pid: Int32(1_000 + index)) {
            live[index] = worker
        }
    }

    mutating func enqueue() {
        guard !shutDown else { return }
        let id = nextChunk
        let chunk = Machine.Chunk(
            id: ChunkID(rawValue: id), job: ["a", "b"].randomElement(using: &random)!,
            itemCount: Int.random(in: 1...3, using: &random),
            timeout: Bool.random(using: &random) ? nil : .milliseconds(300), payload: id,
            ofMap: Bool.random(using: &random)
        )
        switch machine.enqueue(chunk, now: now) {
        case .run(let slot, let chunk, let actions):
            nextChunk += 1
            submitted.insert(id)
            guard let worker = waiting.removeValue(forKey: slot) else {
                violation = "enqueue ran \(chunk.id) on a slot that was not waiting"
                return
            }
            runningOn[chunk.payload] = (slot, worker)
            perform(actions)
        case .queued:
            nextChunk += 1
            submitted.insert(id)
        case .suspend, .reject:
            break
        }
    }

    /// A worker's loop starts a slot (up to its window, as the shell starts them).
    mutating func askForChunk() {
        guard let worker = live.values.randomElement(using: &random) else { return }
        let slots = Set(waiting.filter { $0.value == worker }.keys)
            .union(runningOn.values.filter { $0.worker == worker }.map(\.slot))
        guard slots.count < machine.configuration.window else { return }
        let slot = SlotID(rawValue: nextSlot)
        nextSlot += 1
        ask(slot, of: worker)
    }

    /// A slot asks for its next chunk, as the shell's slot loop does after each call.
    mutating func ask(_ slot: SlotID, of worker: WorkerRef) {
        let (decision, actions) = machine.nextChunk(for: slot, of: worker, now: now)
        switch decision {
        case .run(let chunk):
            runningOn[chunk.payload] = (slot, worker)
            perform(actions)
        case .wait:
            waiting[slot] = worker
            perform(actions)
        case .stop:
            perform(actions)
        }
    }

    /// The call of a random slot returns; the slot asks again.
    mutating func returnChunk() {
        guard let id = runningOn.keys.randomElement(using: &random), let (slot, worker) = runningOn[id] else { return }
        let call = runningOn.filter { $0.value.slot == slot }.keys.sorted()
        var actions: [Machine.Action] = []
        for member in call {
            runningOn[member] = nil
            let (ended, more) = machine.chunkReturned(
                ChunkID(rawValue: member), elapsed: .microseconds(Int.random(in: 1...20_000, using: &random))
            )
            if let ended { delivered(ended.chunk.payload) }
            actions += more
        }
        perform(actions)
        ask(slot, of: worker)
    }

    /// The call of a random slot fails as a whole (the job threw, or acknowledged a cancel); the slot asks again.
    mutating func failChunk() {
        guard let id = runningOn.keys.randomElement(using: &random), let (slot, worker) = runningOn[id] else { return }
        let failure: Machine.CallFailure = [.error(ModelError.jobFailed), .cancelled, .workerStopping].randomElement(using: &random)!
        var actions: [Machine.Action] = []
        for member in runningOn.filter({ $0.value.slot == slot }).keys.sorted() {
            runningOn[member] = nil
            let (ended, more) = machine.chunkFailed(ChunkID(rawValue: member), failure)
            if let ended { delivered(ended.chunk.payload) }
            actions += more
        }
        perform(actions)
        ask(slot, of: worker)
    }

    mutating func cancelChunk() {
        guard nextChunk > 1 else { return }
        let id = UInt64.random(in: 1..<nextChunk, using: &random)
        let (_, actions) = machine.cancel(ChunkID(rawValue: id), now: now)
        perform(actions)
    }

    mutating func crashWorker() {
        guard let worker = live.values.randomElement(using: &random) else { return }
        exit(worker)
    }

    mutating func loseConnection() {
        guard let id = runningOn.keys.randomElement(using: &random), let (_, worker) = runningOn[id] else { return }
        runningOn[id] = nil
        let (ended, actions) = machine.chunkFailed(ChunkID(rawValue: id), .workerLost)
        if let ended { delivered(ended.chunk.payload) }
        perform(actions)
        dueExits.insert(worker)
    }

    /// A worker whose slots have all ended (it exited, or retired): the shell stops it.
    mutating func endSlots() {
        for index in machine.workers.indices {
            let phase = machine.workers[index].phase
            guard phase == .exited || phase == .retiring, let worker = live[index] else { continue }
            guard !waiting.values.contains(worker), !runningOn.values.contains(where: { $0.worker == worker }) else {
                continue
            }
            _ = machine.slotsEnded(worker)
            stop(index)
            return
        }
    }

    mutating func exit(_ worker: WorkerRef) {
        dueExits.remove(worker)
        perform(machine.workerExited(worker, status: TerminationStatus(.signaled(9)), now: now))
        // Calls on it fail afterwards; the machine has ended their chunks already.
        for (id, place) in runningOn where place.worker == worker {
            runningOn[id] = nil
            let (ended, actions) = machine.chunkFailed(ChunkID(rawValue: id), .workerLost)
            if ended != nil { violation = "chunk \(id) ended again after its worker's exit" }
            perform(actions)
        }
        waiting = waiting.filter { $0.value != worker }
    }

    mutating func stop(_ index: Int) {
        guard let worker = live[index] else { return }
        waiting = waiting.filter { $0.value != worker }
        for (id, place) in runningOn where place.worker == worker { runningOn[id] = nil }
        perform(machine.workerStopped(worker, status: TerminationStatus(.signaled(9)), now: now))
        live[index] = nil
    }

    // MARK: Actions

    mutating func perform(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .run(let slot, let chunk):
                guard let worker = waiting.removeValue(forKey: slot) else {
                    violation = "ran \(chunk.id) on slot \(slot) that was not waiting"
                    return
                }
                runningOn[chunk.payload] = (slot, worker)
            case .stopSlot(let slot):
                if waiting.removeValue(forKey: slot) == nil { violation = "stopped slot \(slot) that was not waiting" }
            case .deliver(let chunk, _):
                runningOn[chunk.payload] = nil
                delivered(chunk.payload)
            case .signal(let worker, _):
                dueExits.insert(worker)
            case .cancelCall, .resumeSubmitter, .wakeTimer, .finished:
                break
            }
        }
    }

    mutating func delivered(_ id: UInt64) {
        deliveries[id, default: 0] += 1
        if deliveries[id]! > 1 { violation = "chunk \(id) delivered \(deliveries[id]!) times" }
        if !submitted.contains(id) { violation = "chunk \(id) delivered but never submitted" }
    }

    // MARK: Invariants

    mutating func check() {
        guard violation == nil else { return }
        // In-flight counts match the chunks running on each worker.
        for (index, worker) in machine.workers.enumerated() where worker.mayBeAlive {
            let running = machine.running.values.filter {
                $0.worker.index == index && worker.isCurrent($0.worker)
            }
            if running.count != worker.inFlight {
                violation = "worker \(index) counts \(worker.inFlight) in flight, runs \(running.count)"
                return
            }
        }
        // A running or queued chunk has not been delivered.
        for id in machine.running.keys.map(\.rawValue) + machine.queue.elements.map(\.payload) where deliveries[id] != nil {
            violation = "chunk \(id) is delivered and still held"
            return
        }
        // Finished means nothing is queued or running.
        if machine.didFinish, !machine.queue.isEmpty || !machine.running.isEmpty {
            violation = "finished with \(machine.queue.count) queued and \(machine.running.count) running"
            return
        }
        // No worker that takes chunks sits with a waiting slot while the head of the queue could start on it.
        if let head = machine.queue.first {
            let parked = machine.waitingSlots.mapValues(\.worker)
            for (slot, worker) in parked where machine.workers[worker.index].isCurrent(worker)
                && machine.workers[worker.index].takesChunks && machine.mayStart(head, on: worker)
                && machine.workers[worker.index].inFlight == 0 && machine.fitsQuota(head, worker)
            {
                violation = "\(head.id) waits in the queue while idle \(worker)'s slot \(slot) waits"
                return
            }
        }
        // The model's waiting slots are the machine's.
        if Set(waiting.keys) != Set(machine.waitingSlots.keys) {
            violation = "waiting slots differ: model \(waiting.count), machine \(machine.waitingSlots.count)"
        }
    }
}

enum ModelError: Error {
    case startFailed
    case jobFailed
}
