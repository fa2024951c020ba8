//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

@testable import TractorPool

/// What a map's state machine counts for a progress reporter, and how it bounds the inputs read ahead: driven by
/// hand, with no process, task or clock.
@Suite struct MapProgressMachineTests {
    typealias Machine = MapStateMachine<Int, [Int], Int, Int>

    func id(_ raw: UInt64) -> ChunkID { ChunkID(rawValue: raw) }

    @Test func aMapNobodyListensToCountsNothing() {
        var machine = Machine(ordered: true)
        for index in 0..<100 {
            let chunk = machine.submit([index], id: id(UInt64(index + 1)), last: index == 99)
            _ = machine.chunkCompleted(chunk!.sequence, [index])
            _ = machine.next(id: id(500))
        }
        _ = machine.cancel()
        #expect(machine.progress == nil)
        #expect(machine.cancel().finalTally == nil)
    }

    @Test func aListenedMapCountsItemsAsTheirChunksComeBackAndEndsWithAFinalTally() throws {
        var machine = Machine(ordered: true, progress: ProgressTally())
        let firstResult = machine.submit([1, 2, 3], id: id(1), last: false)
        let first = try #require(firstResult)
        let secondResult = machine.submit([4, 5], id: id(2), last: true)
        let second = try #require(secondResult)
        #expect(machine.progress?.taken == 5 && machine.progress?.total == 5)
        // The second comes back first, with one item failed: it counts at once, before the consumer takes it.
        _ = machine.chunkCompleted(second.sequence, [4, 5], items: .init(done: 1, failed: 1))
        #expect(machine.progress?.done == 1 && machine.progress?.failed == 1 && machine.progress?.inFlight == 3)
        _ = machine.chunkCompleted(first.sequence, [1, 2, 3], items: .init(done: 3))
        // A late or repeated delivery does not count twice.
        _ = machine.chunkCompleted(first.sequence, [1, 2, 3], items: .init(done: 3))
        #expect(machine.progress?.done == 4)
        let finalResult = machine.cancel().finalTally
        let final = try #require(finalResult)
        #expect(final.isEnded && final.done == 4 && final.failed == 1 && final.cancelled == 0 && final.total == 5)
        #expect(machine.cancel().finalTally == nil, "the final tally is handed out once")
    }

    @Test func aMapThatStopsEarlyCountsTheRestCancelled() throws {
        var machine = Machine(ordered: false, progress: ProgressTally(expected: 1_000))
        let chunkResult = machine.submit(Array(0..<10), id: id(1), last: false)
        let chunk = try #require(chunkResult)
        _ = machine.submit(Array(10..<20), id: id(2), last: false)
        _ = machine.chunkCompleted(chunk.sequence, [], items: .init(done: 10))
        let finalResult = machine.cancel().finalTally
        let final = try #require(finalResult)
        #expect(final.done == 10 && final.cancelled == 990 && final.total == 1_000 && final.inFlight == 0)
    }

    @Test func theInputLimitBoundsWhatASequenceConsumerReads() throws {
        var machine = Machine(ordered: true, inputLimit: 5)
        #expect(machine.readRoom(readAhead: 100) == 5)
        let firstResult = machine.submit([0, 1, 2], id: id(1), last: false)
        let first = try #require(firstResult)
        #expect(machine.readRoom(readAhead: 100) == 2)
        _ = machine.submit([3, 4], id: id(2), last: false)
        #expect(machine.readRoom(readAhead: 100) == 0)
        #expect(!machine.mayRead(readAhead: 100))
        // The consumer takes the first chunk: its inputs still count until the consumer has consumed them.
        _ = machine.chunkCompleted(first.sequence, [0, 1, 2])
        guard case .outputs = machine.next(id: id(9)).step else {
            Issue.record("the first chunk is there")
            return
        }
        #expect(machine.readRoom(readAhead: 100) == 0)
        _ = machine.outputsConsumed()
        #expect(machine.readRoom(readAhead: 100) == 3)
        #expect(machine.readRoom(readAhead: 1) == 0, "the read-ahead in chunks bounds it too")
    }

    @Test func theInputLimitParksTheReaderAndSendsTheChunkThatFillsIt() throws {
        var machine = Machine(ordered: true, inputLimit: 3)
        #expect(machine.readerMayRead(readAhead: 100) == .read)
        guard case .none = machine.readerRead(0, id: id(1), target: 10),
            case .none = machine.readerRead(1, id: id(1), target: 10)
        else {
            Issue.record("the chunk waits to be filled")
            return
        }
        // The third input fills the limit: the chunk goes, short of its target, and the reader parks.
        guard case .send(let chunk) = machine.readerRead(2, id: id(1), target: 10) else {
            Issue.record("the chunk that fills the limit is sent")
            return
        }
        #expect(chunk.inputs == [0, 1, 2])
        #expect(machine.readerMayRead(readAhead: 100) == .suspend)
        #expect(machine.readerSuspended(7, readAhead: 100) == nil)
        _ = machine.chunkCompleted(chunk.sequence, [0, 1, 2])
        guard case .outputs = machine.next(id: id(9)).step else {
            Issue.record("the chunk is there")
            return
        }
        // Consumed: room again, and the parked reader is resumed.
        let resumedResult = machine.outputsConsumed()
        let resumed = try #require(resumedResult)
        #expect(resumed.0 == 7 && resumed.1 == .read)
    }
}
