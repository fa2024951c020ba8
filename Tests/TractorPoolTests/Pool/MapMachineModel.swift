//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorTestSupport

@testable import TractorPool

/// Drives a ``MapStateMachine`` through a seeded random run, acting as its shell would: a consumer that reads a
/// `Sequence` input itself or a reader of an asynchronous one, chunks sent late and delivered in any order, a failing
/// item (the consumer cancels the map on reaching it), an input that fails, interruptions, a dropped iterator. It
/// records the first broken promise in ``violation``: chunks numbered out of input order, the read-ahead exceeded,
/// outputs out of order (ordered) or not in arrival order (unordered), a waiter resumed that was not parked, a lost
/// wake-up (everyone parked and nothing on its way), or an end that does not match the input.
struct MapMachineModel {
    typealias Machine = MapStateMachine<Int, [Int], Int, Int>
    typealias Step = MapConsumerStep<Int, [Int]>

    struct InputFailed: Error {}

    enum Party: Equatable {
        case idle
        /// Was told to suspend, and has not parked yet.
        case suspending
        case parked(Int)
        /// A reader between its `.read` and the input's next element.
        case reading
        case done
    }

    var random: SplitMix64
    var machine: Machine
    let ordered: Bool
    let asyncInput: Bool
    let count: Int
    /// The input whose item fails: the consumer cancels the map when it reaches it.
    let failing: Int?
    /// Whether an asynchronous input fails after its last element.
    let inputFails: Bool
    let readAhead: Int
    var shape: String
    private(set) var violation: String?

    var consumer = Party.idle
    var reader = Party.idle
    /// The reader's task was cancelled: it ends the input with `CancellationError` at its next read.
    var readerCancelled = false
    var cancelled = false
    var nextInput = 0
    var numberedElements = 0
    var inputEnded = false
    var nextToken = 1
    var nextID: UInt64 = 1
    var chunks: [[Int]] = []
    var ids: [ChunkID] = []
    var taken: Set<Int> = []
    var unsent: [MapChunk<Int>] = []
    var inFlight: [MapChunk<Int>] = []
    /// Unordered maps: the chunks delivered while the map went on, in order.
    var arrivals: [Int] = []
    var handedOut: [Int] = []
    var received: [Int] = []

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        ordered = Bool.random(using: &random)
        asyncInput = Bool.random(using: &random)
        count = Int.random(in: 0...40, using: &random)
        failing = count > 0 && Int.random(in: 0..<4, using: &random) == 0 ? Int.random(in: 0..<count, using: &random) : nil
        inputFails = asyncInput && Int.random(in: 0..<4, using: &random) == 0
        readAhead = Int.random(in: 1...5, using: &random)
        shape = "\(ordered ? "ordered" : "unordered"), \(asyncInput ? "async" : "sequence") input of \(count), "
            + "failing \(String(describing: failing)), input fails \(inputFails), read-ahead \(readAhead)"
        machine = Machine(ordered: ordered)
        reader = asyncInput ? .idle : .done
        self.random = random
    }

    var outstanding: Int { chunks.count - taken.count }

    mutating func fail(_ message: String) {
        if violation == nil { violation = message }
    }

    mutating func takeID() -> ChunkID {
        defer { nextID += 1 }
        return ChunkID(rawValue: nextID)
    }

    // MARK: Running

    mutating func run() {
        for _ in 0..<Int.random(in: 0...200, using: &random) where violation == nil {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<25: consumerAct()
            case 25..<50: readerAct()
            case 50..<65: send()
            case 65..<90: deliver()
            case 90..<94: interruptConsumer()
            case 94..<97: interruptReader()
            default: if Int.random(in: 0..<4, using: &random) == 0 { dropIterator() }
            }
            if !cancelled, machine.outstandingCount != outstanding {
                fail("the machine counts \(machine.outstandingCount) chunks out, the model \(outstanding)")
            }
        }
        // Then only progress: it must end, with nobody left parked.
        var steps = 0
        while violation == nil, consumer != .done || reader != .done || !inFlight.isEmpty || !unsent.isEmpty {
            steps += 1
            var moves: [Int] = []
            if consumer == .idle || consumer == .suspending { moves.append(0) }
            if reader == .idle || reader == .suspending || reader == .reading { moves.append(1) }
            if !unsent.isEmpty { moves.append(2) }
            if !inFlight.isEmpty { moves.append(3) }
            guard let move = moves.randomElement(using: &random), steps < 100_000 else {
                fail("a lost wake-up: consumer \(consumer), reader \(reader), nothing on its way")
                return
            }
            switch move {
            case 0: consumerAct()
            case 1: readerAct()
            case 2: send()
            default: deliver()
            }
        }
    }

    // MARK: Consumer

    mutating func consumerAct() {
        switch consumer {
        case .idle:
            if !asyncInput { topUp() }
            let id = takeID()
            let action = machine.next(id: id)
            handle(action.step, offered: id)
            resumeReader(action.reader)
        case .suspending:
            let token = nextToken
            nextToken += 1
            let id = takeID()
            guard let action = machine.consumerSuspended(token, id: id) else {
                consumer = .parked(token)
                return
            }
            handle(action.step, offered: id)
            resumeReader(action.reader)
        default:
            break
        }
    }

    /// A `Sequence` input, read by the consumer within a read-ahead that changes from one top-up to the next.
    mutating func topUp() {
        let limit = Int.random(in: 1...5, using: &random)
        let size = Int.random(in: 1...4, using: &random)
        while !inputEnded, machine.mayRead(readAhead: limit) {
            if outstanding >= limit { fail("read beyond a read-ahead of \(limit)") }
            let batch = Array(nextInput..<min(count, nextInput + size))
            nextInput += batch.count
            inputEnded = batch.count < size
            let id = takeID()
            if let chunk = machine.submit(batch, id: id, last: inputEnded) { numbered(chunk, id: id) }
        }
    }

    mutating func handle(_ step: Step, offered id: ChunkID?) {
        consumer = .idle
        switch step {
        case .outputs(let outcome):
            guard let sequence = chunks.firstIndex(of: outcome), !taken.contains(sequence) else {
                fail("handed out \(outcome), which is not a chunk out")
                return
            }
            if ordered, sequence != taken.count { fail("chunk \(sequence) handed out before chunk \(taken.count)") }
            taken.insert(sequence)
            handedOut.append(sequence)
            if let failing, let index = outcome.firstIndex(of: failing) {
                received += outcome[..<index]
                dropIterator()
            } else {
                received += outcome
            }
        case .send(let chunk):
            if chunk.id != id { fail("the consumer's chunk does not take the id offered") }
            numbered(chunk, id: chunk.id)
        case .ended, .failed:
            consumer = .done
            checkEnd(step)
        case .suspend:
            consumer = .suspending
        case .interrupted:
            break
        }
    }

    mutating func checkEnd(_ step: Step) {
        if cancelled { return }
        if !inFlight.isEmpty || !unsent.isEmpty || outstanding != 0 { fail("the map ended with chunks out") }
        let everything = Array(0..<nextInput)
        if (ordered ? received : received.sorted()) != everything {
            fail("handed out \(received), read \(nextInput)")
        }
        if !ordered, handedOut != arrivals { fail("handed out \(handedOut), arrived \(arrivals)") }
        let failed: Bool
        if case .failed = step { failed = true } else { failed = false }
        if failed != (inputFails || readerCancelled) { fail("the map ended with \(step)") }
        if asyncInput, reader != .done { fail("the map ended before its input") }
        if !readerCancelled, nextInput != count { fail("the map ended after \(nextInput) of \(count) inputs") }
    }

    mutating func interruptConsumer() {
        guard let token = machine.interruptConsumer() else { return }
        guard consumer == .parked(token) else {
            fail("interrupted consumer \(token), which is \(consumer)")
            return
        }
        handle(.interrupted, offered: nil)
    }

    mutating func dropIterator() {
        guard consumer == .idle || consumer == .suspending, !cancelled else { return }
        let action = machine.cancel()
        let out = chunks.indices.filter { !taken.contains($0) }.map { ids[$0] }
        if action.chunks != out { fail("cancelled \(action.chunks), out: \(out)") }
        if action.consumer != nil { fail("cancelling resumed the consumer that cancelled") }
        cancelled = true
        consumer = .done
        resumeReader(action.reader)
    }

    // MARK: Reader

    mutating func readerAct() {
        switch reader {
        case .idle:
            apply(machine.readerMayRead(readAhead: readAhead))
        case .suspending:
            let token = nextToken
            nextToken += 1
            if let (waiter, step) = machine.readerSuspended(token, readAhead: readAhead) {
                if waiter != token { fail("resumed reader \(waiter) instead of \(token)") }
                apply(step)
            } else {
                reader = .parked(token)
            }
        case .reading:
            read()
        default:
            break
        }
    }

    mutating func apply(_ step: MapReaderStep) {
        switch step {
        case .read:
            if !cancelled, !readerCancelled, outstanding + (nextInput > numberedElements ? 1 : 0) >= readAhead {
                fail("the reader may read with \(outstanding) chunks out, read-ahead \(readAhead)")
            }
            reader = .reading
        case .suspend:
            reader = .suspending
        case .stop:
            if !cancelled { fail("the reader stopped before the map ended") }
            reader = .done
        }
    }

    mutating func read() {
        let id = takeID()
        if nextInput < count, !readerCancelled {
            let element = nextInput
            nextInput += 1
            switch machine.readerRead(element, id: id, target: Int.random(in: 1...4, using: &random)) {
            case .none:
                reader = .idle
            case .send(let chunk):
                if chunk.id != id { fail("the reader's chunk does not take the id offered") }
                numbered(chunk, id: id)
                reader = .idle
            case .stop:
                if !cancelled { fail("the reader stopped before the map ended") }
                reader = .done
            }
            return
        }
        let error: (any Error)? = readerCancelled ? CancellationError() : inputFails ? InputFailed() : nil
        let action = machine.readerFinished(error: error, id: id)
        reader = .done
        if let chunk = action.send { numbered(chunk, id: id) }
        if let (waiter, step) = action.resume {
            if consumer != .parked(waiter) { fail("resumed consumer \(waiter), which is \(consumer)") }
            handle(step, offered: nil)
        }
    }

    mutating func interruptReader() {
        guard asyncInput, reader != .done else { return }
        readerCancelled = true
        guard let token = machine.interruptReader() else { return }
        if reader != .parked(token) { fail("interrupted reader \(token), which is \(reader)") }
        apply(.read)
    }

    mutating func resumeReader(_ resume: (Int, MapReaderStep)?) {
        guard let (waiter, step) = resume else { return }
        if reader != .parked(waiter) { fail("resumed reader \(waiter), which is \(reader)") }
        apply(step)
    }

    // MARK: Chunks

    mutating func numbered(_ chunk: MapChunk<Int>, id: ChunkID) {
        if cancelled { fail("chunk \(chunk.sequence) numbered after the map was cancelled") }
        if chunk.sequence != chunks.count { fail("chunk \(chunk.sequence) numbered after \(chunks.count) chunks") }
        let expected = Array(numberedElements..<numberedElements + chunk.inputs.count)
        if chunk.inputs.isEmpty || chunk.inputs != expected { fail("chunk \(chunk.inputs), expected \(expected)") }
        if ids.contains(id) { fail("chunk id \(id) used twice") }
        if chunk.firstIndex != numberedElements { fail("chunk \(chunk.sequence) starts at \(chunk.firstIndex)") }
        numberedElements += chunk.inputs.count
        chunks.append(chunk.inputs)
        ids.append(id)
        unsent.append(chunk)
    }

    mutating func send() {
        guard !unsent.isEmpty else { return }
        inFlight.append(unsent.remove(at: Int.random(in: 0..<unsent.count, using: &random)))
    }

    mutating func deliver() {
        guard !inFlight.isEmpty else { return }
        let chunk = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &random))
        let action = machine.chunkCompleted(chunk.sequence, chunk.inputs)
        if cancelled {
            if action.consumer != nil || action.reader != nil { fail("a late delivery woke someone") }
            return
        }
        arrivals.append(chunk.sequence)
        // The consumer first: it took the outcome, which made the room the reader is resumed for.
        if let (waiter, step) = action.consumer {
            if consumer != .parked(waiter) { fail("resumed consumer \(waiter), which is \(consumer)") }
            handle(step, offered: nil)
        }
        resumeReader(action.reader)
    }
}
