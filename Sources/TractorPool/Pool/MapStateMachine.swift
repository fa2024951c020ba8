//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The logic of one `map`, with no lock, task or clock: chunk numbering in input order, the read-ahead, the reorder
/// buffer of an ordered map (or the arrival order of an unordered one), the partial chunk of an asynchronous input,
/// the input's end or error, cancellation, and the two parties that may wait, held in the state.
///
/// Three parties drive it, each through its own events: the *consumer* (the iterating task) asks for the next
/// chunk's outcome, and parks when there is none yet; the *reader* of an `AsyncSequence` input asks whether it may
/// read, parks while the read-ahead is full, and adds the elements it reads; the *deliveries* hand in the outcomes
/// of chunks as they complete. Every event returns what to do: resume this waiter with that, send this chunk, cancel
/// those chunks. The shell calls each event under its one lock and acts on the answer outside it.
///
/// The consumer of a `Sequence` input reads it itself (``mayRead(readAhead:)``, ``submit(_:id:last:)``); there is no
/// reader then.
///
/// - `Input`: one input. `Outcome`: how a chunk came back, opaque here. `Consumer` and `Reader`: the parties'
///   continuations, opaque here; the machine only keeps them and hands them back.
struct MapStateMachine<Input, Outcome, Consumer, Reader> {
    typealias Chunk = MapChunk<Input>
    typealias ConsumerStep = MapConsumerStep<Input, Outcome>
    typealias ReaderStep = MapReaderStep

    /// What the reader does with the element it added.
    enum ReadAction {
        /// Nothing: the element waits in the partial chunk (the chunk id offered was not used).
        case none
        /// Send this chunk (the id offered numbers it).
        case send(Chunk)
        /// The map has ended: stop reading.
        case stop
    }

    /// What the consumer does next, and the reader to resume (taking an outcome made room in the read-ahead).
    struct ConsumerAction {
        var step: ConsumerStep
        var reader: (Reader, ReaderStep)?
    }

    /// What ending the input does.
    struct FinishAction {
        /// The partial chunk, to send (the id offered numbers it).
        var send: Chunk?
        /// The consumer, to resume with the end of the map.
        var resume: (Consumer, ConsumerStep)?
    }

    /// What a delivery does.
    struct CompletionAction {
        /// The consumer, to resume with the outcome.
        var consumer: (Consumer, ConsumerStep)?
        /// The reader, to resume: taking the outcome made room in the read-ahead.
        var reader: (Reader, ReaderStep)?
    }

    /// What cancelling the map does.
    struct CancelAction {
        /// The chunks still out, to cancel in the pool.
        var chunks: [ChunkID] = []
        var consumer: (Consumer, ConsumerStep)?
        var reader: (Reader, ReaderStep)?
        /// The final progress tally, for the map's reporter: only from the first cancellation of a map that keeps
        /// one.
        var finalTally: ProgressTally?
    }

    /// Whether outputs come in input order.
    let ordered: Bool
    /// The number of the next chunk.
    private(set) var nextSequence = 0
    /// The index in the map's input of the first input of the next chunk: how many inputs were numbered.
    private(set) var nextInputIndex = 0
    /// How many chunks the consumer has taken; an ordered map's consumer takes chunk `taken` next.
    private(set) var taken = 0
    /// Chunks numbered and not taken, by number, with their item counts.
    private var outstanding: [Int: (id: ChunkID, count: Int)] = [:]
    /// Ordered maps: outcomes that came back before the consumer took them, by chunk number.
    private var reorderBuffer: [Int: Outcome] = [:]
    /// Unordered maps: outcomes not taken, first first.
    private var arrivals = ChunkQueue<(sequence: Int, outcome: Outcome)>()
    /// Inputs read from an asynchronous input and not yet numbered.
    private var partial: [Input] = []
    private var inputEnded = false
    private var inputError: (any Error)?
    /// Whether the map has ended (cancelled, or every outcome handed out): nothing more is numbered or kept.
    private(set) var isFinished = false
    private var consumer = MapWaiting<Consumer>.none
    private var reader = MapWaiting<Reader>.none
    /// The read-ahead of the parked reader.
    private var readerLimit = 0
    /// The most inputs numbered (or waiting in the partial chunk) and not consumed: the map's `bufferSize`; `nil`
    /// for no bound but the read-ahead in chunks.
    let inputLimit: Int?
    /// With an input limit: the inputs numbered and not consumed yet.
    private(set) var itemsAhead = 0
    /// With an input limit: the inputs of the chunks taken since the consumer last said it had consumed everything
    /// it took (``outputsConsumed()``).
    private var heldItems = 0
    /// The counts of the map's progress reporter; `nil`, and never touched, when nobody listens.
    private(set) var progress: ProgressTally?

    /// A map's logic; `inputLimit` bounds the inputs read ahead of the consumer, and `progress` (the initial tally)
    /// makes it count for a progress reporter.
    init(ordered: Bool, inputLimit: Int? = nil, progress: ProgressTally? = nil) {
        self.ordered = ordered
        self.inputLimit = inputLimit.map { Swift.max(1, $0) }
        self.progress = progress
    }

    /// Chunks numbered and not taken by the consumer (done or not).
    var outstandingCount: Int { nextSequence - taken }

    /// Whether the consumer waits for something that is already on its way: a chunk it has not taken.
    private var somethingAhead: Bool { nextSequence > taken }

    // MARK: Consumer

    /// The consumer asks for the next chunk's outcome; `id` numbers the partial chunk if the consumer is to send it.
    /// Taking an outcome may make room for the parked reader: it is returned, to resume.
    mutating func next(id: ChunkID) -> ConsumerAction {
        if isFinished { return ConsumerAction(step: .ended) }
        if let outcome = take() { return ConsumerAction(step: .outputs(outcome), reader: readerWithRoom()) }
        if !somethingAhead {
            if let chunk = numberPartial(id: id) { return ConsumerAction(step: .send(chunk)) }
            if inputEnded { return ConsumerAction(step: end()) }
        }
        return ConsumerAction(step: .suspend)
    }

    /// The consumer parks, after ``next(id:)`` said `.suspend`: decided again, under the same lock, so that nothing
    /// that happened in between is missed. Returns what to resume the consumer with at once, or `nil` when it is
    /// parked.
    mutating func consumerSuspended(_ waiter: Consumer, id: ChunkID) -> ConsumerAction? {
        if case .interrupted = consumer {
            consumer = .none
            return ConsumerAction(step: .interrupted)
        }
        let action = next(id: id)
        if case .suspend = action.step {
            consumer = .parked(waiter)
            return nil
        }
        return action
    }

    /// Wakes the consumer without a result (its task was cancelled, or its deadline passed); if it is not parked,
    /// its next park returns at once.
    mutating func interruptConsumer() -> Consumer? {
        switch consumer {
        case .parked(let waiter):
            consumer = .none
            return waiter
        case .none, .interrupted:
            consumer = .interrupted
            return nil
        }
    }

    /// The consumer of a `Sequence` input asks whether it may read and submit another chunk: the input has not
    /// ended, fewer than `readAhead` chunks are out, and the input limit leaves room.
    func mayRead(readAhead: Int) -> Bool {
        readRoom(readAhead: readAhead) > 0
    }

    /// How many inputs the consumer of a `Sequence` input may read for its next chunk: 0 when it may not read,
    /// `Int.max` when only the read-ahead in chunks bounds it.
    func readRoom(readAhead: Int) -> Int {
        guard !isFinished, !inputEnded, outstandingCount < readAhead else { return 0 }
        guard let inputLimit else { return Int.max }
        return Swift.max(0, inputLimit - itemsAhead)
    }

    /// The consumer has consumed every output it took (it asks for more): their inputs leave the input limit.
    /// Returns the parked reader, when that made room for it.
    mutating func outputsConsumed() -> (Reader, ReaderStep)? {
        guard inputLimit != nil, heldItems > 0 else { return nil }
        itemsAhead -= heldItems
        heldItems = 0
        return readerWithRoom()
    }

    /// The consumer of a `Sequence` input submits the inputs it read; `last` when the input has ended. Returns the
    /// numbered chunk to send, or `nil` when there is nothing to send.
    mutating func submit(_ inputs: [Input], id: ChunkID, last: Bool) -> Chunk? {
        guard !isFinished else {
            if last { inputEnded = true }
            return nil
        }
        let chunk = inputs.isEmpty ? nil : number(inputs, id: id)
        if last {
            inputEnded = true
            progress?.endInput()
        }
        return chunk
    }

    // MARK: Reader

    /// The reader asks whether it may read another element: not while the chunks out, and the partial chunk, fill
    /// the read-ahead.
    func readerMayRead(readAhead: Int) -> ReaderStep {
        if isFinished { return .stop }
        guard outstandingCount + (partial.isEmpty ? 0 : 1) < readAhead else { return .suspend }
        if let inputLimit, itemsAhead + partial.count >= inputLimit { return .suspend }
        return .read
    }

    /// The reader parks, after ``readerMayRead(readAhead:)`` said `.suspend`. Returns the reader with what to resume
    /// it with at once, or `nil` when it is parked.
    mutating func readerSuspended(_ waiter: Reader, readAhead: Int) -> (Reader, ReaderStep)? {
        if case .interrupted = reader {
            reader = .none
            return (waiter, .read)
        }
        let step = readerMayRead(readAhead: readAhead)
        guard step == .suspend else { return (waiter, step) }
        reader = .parked(waiter)
        readerLimit = readAhead
        return nil
    }

    /// Wakes the reader (its task was cancelled); if it is not parked, its next park returns at once.
    mutating func interruptReader() -> Reader? {
        switch reader {
        case .parked(let waiter):
            reader = .none
            return waiter
        case .none, .interrupted:
            reader = .interrupted
            return nil
        }
    }

    /// The reader adds the element it read. The partial chunk is numbered when it holds `target` elements, when it
    /// fills the input limit, or at once when the consumer is parked with nothing else to wait for; `id` numbers it.
    mutating func readerRead(_ element: Input, id: ChunkID, target: Int) -> ReadAction {
        if isFinished { return .stop }
        partial.append(element)
        let full = inputLimit.map { itemsAhead + partial.count >= $0 } ?? false
        guard partial.count >= target || full || consumerStarves else { return .none }
        return numberPartial(id: id).map { .send($0) } ?? .none
    }

    /// The input ended, after every element was added (with the input's error, if it failed: the elements read
    /// before it are handed out first). The partial chunk is numbered with `id`.
    mutating func readerFinished(error: (any Error)?, id: ChunkID) -> FinishAction {
        guard !isFinished else { return FinishAction() }
        inputEnded = true
        inputError = error
        defer { if error == nil { progress?.endInput() } }
        if let chunk = numberPartial(id: id) { return FinishAction(send: chunk) }
        guard !somethingAhead, case .parked(let waiter) = consumer else { return FinishAction() }
        consumer = .none
        return FinishAction(resume: (waiter, end()))
    }

    // MARK: Deliveries

    /// A chunk came back. Its outcome goes to the parked consumer when it waits for it (an ordered map's consumer
    /// waits for one chunk: those that come back before it only wait), or waits for the consumer.
    /// With a progress tally, `items` says how the chunk's items ended.
    mutating func chunkCompleted(
        _ sequence: Int,
        _ outcome: Outcome,
        items: ProgressTally.Delta? = nil
    ) -> CompletionAction {
        guard !isFinished, outstanding[sequence] != nil else { return CompletionAction() }
        if let items { progress?.add(items) }
        if ordered {
            reorderBuffer[sequence] = outcome
        } else {
            arrivals.append((sequence, outcome))
        }
        guard case .parked(let waiter) = consumer, let outcome = take() else { return CompletionAction() }
        consumer = .none
        return CompletionAction(consumer: (waiter, .outputs(outcome)), reader: readerWithRoom())
    }

    // MARK: Ending

    /// Ends the map: nothing more is numbered, outcomes still to come are dropped, the chunks still out are to be
    /// cancelled, and a parked party is resumed.
    mutating func cancel() -> CancelAction {
        var action = CancelAction()
        if !isFinished {
            isFinished = true
            action.chunks = outstanding.keys.sorted().compactMap { outstanding[$0]?.id }
        }
        if progress?.isEnded == false {
            progress?.end()
            action.finalTally = progress
        }
        outstanding = [:]
        reorderBuffer = [:]
        _ = arrivals.removeAll()
        partial = []
        if case .parked(let waiter) = consumer { action.consumer = (waiter, .ended) }
        if case .parked(let waiter) = reader { action.reader = (waiter, .stop) }
        consumer = .none
        reader = .none
        return action
    }

    // MARK: Helpers

    /// The consumer is parked and nothing it could wait for is on its way.
    private var consumerStarves: Bool {
        guard case .parked = consumer else { return false }
        return !somethingAhead
    }

    private mutating func number(_ inputs: [Input], id: ChunkID) -> Chunk {
        defer {
            nextSequence += 1
            nextInputIndex += inputs.count
        }
        outstanding[nextSequence] = (id, inputs.count)
        if inputLimit != nil { itemsAhead += inputs.count }
        progress?.took(inputs.count)
        return Chunk(sequence: nextSequence, id: id, inputs: inputs, firstIndex: nextInputIndex)
    }

    /// Numbers the partial chunk with `id`, if it holds anything.
    private mutating func numberPartial(id: ChunkID) -> Chunk? {
        guard !partial.isEmpty else { return nil }
        var inputs: [Input] = []
        swap(&inputs, &partial)
        return number(inputs, id: id)
    }

    /// Takes the next outcome for the consumer, if it is here.
    private mutating func take() -> Outcome? {
        let sequence: Int
        let outcome: Outcome
        if ordered {
            guard let kept = reorderBuffer.removeValue(forKey: taken) else { return nil }
            sequence = taken
            outcome = kept
        } else {
            guard let first = arrivals.popFirst() else { return nil }
            (sequence, outcome) = first
        }
        if let count = outstanding.removeValue(forKey: sequence)?.count, inputLimit != nil { heldItems += count }
        taken += 1
        return outcome
    }

    /// The map's end, for the consumer: the input's error, or the end.
    private mutating func end() -> ConsumerStep {
        isFinished = true
        return inputError.map { .failed($0) } ?? .ended
    }

    /// The parked reader, removed, when the read-ahead has room again.
    private mutating func readerWithRoom() -> (Reader, ReaderStep)? {
        guard case .parked(let waiter) = reader, readerMayRead(readAhead: readerLimit) == .read else { return nil }
        reader = .none
        return (waiter, .read)
    }
}

/// A chunk numbered in input order and recorded as outstanding: its sender sends it to the pool, and its outcome
/// comes back through ``MapStateMachine/chunkCompleted(_:_:)``.
struct MapChunk<Input> {
    var sequence: Int
    var id: ChunkID
    var inputs: [Input]
    /// The index in the map's input of the chunk's first input.
    var firstIndex: Int
}

/// What the consumer does next; also what a parked consumer is resumed with.
enum MapConsumerStep<Input, Outcome> {
    /// Hand out the outcome of this chunk.
    case outputs(Outcome)
    /// Send this chunk (the partial chunk of an asynchronous input, which nothing else would send), then ask
    /// again.
    case send(MapChunk<Input>)
    /// Every input has been handed out: the map ends.
    case ended
    /// The input failed after every chunk before the error was handed out: the map ends with this error.
    case failed(any Error)
    /// Nothing to do yet: park (only ever returned by ``MapStateMachine/next(id:)``).
    case suspend
    /// Woken without a result (the task was cancelled, or a deadline passed): look at why, then ask again.
    case interrupted
}

/// What the reader does next; also what a parked reader is resumed with.
enum MapReaderStep: Equatable {
    /// Read the next element. A reader woken because its task was cancelled also reads on: it finds its task
    /// cancelled first.
    case read
    /// The read-ahead is full: park.
    case suspend
    /// The map has ended: stop reading.
    case stop
}

/// A party of a map that may wait: nobody, a wake-up for the next to park, or the parked waiter.
private enum MapWaiting<Waiter> {
    case none
    /// A wake-up came while nobody was parked: the next to park returns at once.
    case interrupted
    case parked(Waiter)
}

extension MapWaiting: Sendable where Waiter: Sendable {}
extension MapStateMachine: Sendable where Input: Sendable, Outcome: Sendable, Consumer: Sendable, Reader: Sendable {}
extension MapChunk: Sendable where Input: Sendable {}
extension MapConsumerStep: Sendable where Input: Sendable, Outcome: Sendable {}
