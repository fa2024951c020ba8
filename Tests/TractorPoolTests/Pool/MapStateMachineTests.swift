//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorTestSupport

@testable import TractorPool

/// A map's logic, driven by hand: no process, no task, no clock. A chunk's outcome is its inputs; waiters are
/// numbers.
@Suite struct MapStateMachineTests {
    typealias Machine = MapStateMachine<Int, [Int], Int, Int>

    struct InputFailed: Error, Equatable {}

    func id(_ raw: UInt64) -> ChunkID { ChunkID(rawValue: raw) }

    func outputs(_ step: MapConsumerStep<Int, [Int]>) -> [Int]? {
        if case .outputs(let outcome) = step { outcome } else { nil }
    }

    func sent(_ action: Machine.ReadAction) -> MapChunk<Int>? {
        if case .send(let chunk) = action { chunk } else { nil }
    }

    // MARK: By hand

    @Test func anOrderedMapHandsChunksOutInInputOrderAndParksForTheOneItWaitsFor() {
        var machine = Machine(ordered: true)
        let chunks = (0..<3).map { machine.submit([$0 * 10, $0 * 10 + 1], id: id(UInt64($0 + 1)), last: $0 == 2)! }
        #expect(chunks.map(\.sequence) == [0, 1, 2])
        #expect(chunks.map(\.firstIndex) == [0, 2, 4], "each chunk knows where its inputs start in the map's input")
        guard case .suspend = machine.next(id: id(9)).step else {
            Issue.record("nothing is back: the consumer parks")
            return
        }
        #expect(machine.consumerSuspended(7, id: id(9)) == nil)
        // Later chunks come back first: they only wait.
        #expect(machine.chunkCompleted(2, [20, 21]).consumer == nil)
        #expect(machine.chunkCompleted(1, [10, 11]).consumer == nil)
        let resumed = machine.chunkCompleted(0, [0, 1]).consumer
        #expect(resumed?.0 == 7)
        #expect(resumed.flatMap { outputs($0.1) } == [0, 1])
        #expect(outputs(machine.next(id: id(9)).step) == [10, 11])
        #expect(outputs(machine.next(id: id(9)).step) == [20, 21])
        guard case .ended = machine.next(id: id(9)).step else {
            Issue.record("every chunk was handed out: the map ends")
            return
        }
        #expect(machine.cancel().chunks.isEmpty)
    }

    @Test func anUnorderedMapHandsChunksOutAsTheyArrive() {
        var machine = Machine(ordered: false)
        for index in 0..<3 { _ = machine.submit([index], id: id(UInt64(index + 1)), last: index == 2) }
        _ = machine.chunkCompleted(2, [2])
        _ = machine.chunkCompleted(0, [0])
        #expect(outputs(machine.next(id: id(9)).step) == [2])
        #expect(outputs(machine.next(id: id(9)).step) == [0])
        #expect(machine.consumerSuspended(1, id: id(9)) == nil)
        #expect(machine.chunkCompleted(1, [1]).consumer.flatMap { outputs($0.1) } == [1])
    }

    @Test func theReaderWaitsWhileTheReadAheadIsFullAndTakingMakesRoom() {
        var machine = Machine(ordered: true)
        #expect(machine.readerMayRead(readAhead: 2) == .read)
        #expect(sent(machine.readerRead(0, id: id(1), target: 1))?.inputs == [0])
        #expect(machine.readerMayRead(readAhead: 2) == .read)
        guard case .none = machine.readerRead(1, id: id(2), target: 2) else {
            Issue.record("one element of two waits in the partial chunk")
            return
        }
        // One chunk out and a partial one fill a read-ahead of two.
        #expect(machine.readerMayRead(readAhead: 2) == .suspend)
        #expect(machine.readerSuspended(5, readAhead: 2) == nil)
        #expect(machine.chunkCompleted(0, [0]).reader == nil, "not taken yet: no room")
        let action = machine.next(id: id(3))
        #expect(outputs(action.step) == [0])
        #expect(action.reader?.0 == 5)
        #expect(action.reader?.1 == .read)
    }

    @Test func aStarvingConsumerGetsThePartialChunkSent() {
        var machine = Machine(ordered: true)
        #expect(sent(machine.readerRead(0, id: id(1), target: 1)) != nil)
        _ = machine.chunkCompleted(0, [0])
        #expect(outputs(machine.next(id: id(9)).step) == [0])
        // The reader holds a partial chunk and waits for its input: the consumer sends the partial chunk itself.
        _ = machine.readerRead(1, id: id(2), target: 8)
        guard case .send(let chunk) = machine.next(id: id(9)).step else {
            Issue.record("the consumer sends the partial chunk")
            return
        }
        #expect(chunk.inputs == [1] && chunk.id == id(9))
        // Parked with nothing on its way, the consumer gets the next element sent by the reader at once.
        _ = machine.chunkCompleted(1, [1])
        #expect(outputs(machine.next(id: id(9)).step) == [1])
        #expect(machine.consumerSuspended(3, id: id(9)) == nil)
        #expect(sent(machine.readerRead(2, id: id(4), target: 8))?.inputs == [2])
    }

    @Test func theInputsErrorComesAfterTheElementsReadBeforeIt() {
        var machine = Machine(ordered: true)
        _ = machine.readerRead(0, id: id(1), target: 4)
        let finish = machine.readerFinished(error: InputFailed(), id: id(2))
        #expect(finish.send?.inputs == [0])
        _ = machine.chunkCompleted(0, [0])
        #expect(outputs(machine.next(id: id(9)).step) == [0])
        guard case .failed(let error) = machine.next(id: id(9)).step else {
            Issue.record("the input's error ends the map")
            return
        }
        #expect(error is InputFailed)
        guard case .ended = machine.next(id: id(9)).step else {
            Issue.record("a map keeps ending after its end")
            return
        }
    }

    @Test func aParkedConsumerLearnsOfTheEndFromTheReader() {
        var machine = Machine(ordered: false)
        #expect(machine.consumerSuspended(1, id: id(9)) == nil)
        let finish = machine.readerFinished(error: nil, id: id(2))
        #expect(finish.send == nil)
        guard case (let consumer, .ended)? = finish.resume else {
            Issue.record("the parked consumer is told the map has ended")
            return
        }
        #expect(consumer == 1)
    }

    @Test func cancellingCancelsTheChunksOutDropsLateOutcomesAndStopsTheReader() {
        var machine = Machine(ordered: true)
        _ = machine.readerRead(0, id: id(1), target: 1)
        _ = machine.readerRead(1, id: id(2), target: 1)
        _ = machine.chunkCompleted(1, [1])
        #expect(machine.readerSuspended(4, readAhead: 2) == nil)
        let cancel = machine.cancel()
        #expect(cancel.chunks == [id(1), id(2)])
        #expect(cancel.reader?.0 == 4 && cancel.reader?.1 == .stop)
        #expect(machine.chunkCompleted(0, [0]).consumer == nil)
        guard case .stop = machine.readerRead(2, id: id(3), target: 1) else {
            Issue.record("the reader stops once the map is cancelled")
            return
        }
        guard case .ended = machine.next(id: id(9)).step else {
            Issue.record("a cancelled map has ended")
            return
        }
        #expect(machine.cancel().chunks.isEmpty, "cancelling twice cancels nothing more")
    }

    @Test func anInterruptionBeforeParkingIsNotLost() {
        var machine = Machine(ordered: true)
        _ = machine.submit([0], id: id(1), last: true)
        #expect(machine.interruptConsumer() == nil)
        guard case .interrupted = machine.consumerSuspended(1, id: id(9))?.step else {
            Issue.record("the consumer's park returns at once")
            return
        }
        #expect(machine.consumerSuspended(1, id: id(9)) == nil, "one interruption wakes once")
        #expect(machine.interruptConsumer() == 1)
        #expect(machine.interruptReader() == nil)
        #expect(machine.readerSuspended(2, readAhead: 1)?.1 == .read, "the reader reads on, and finds its task cancelled")
    }

    // MARK: Against a model

    @Test(arguments: 0..<400)
    func randomEventSequencesAgreeWithTheModel(seed: Int) {
        var model = MapMachineModel(seed: UInt64(seed) &* 0x9E37_79B9 &+ 7)
        model.run()
        #expect(model.violation == nil, "seed \(seed): \(model.shape): \(model.violation ?? "")")
    }
}
