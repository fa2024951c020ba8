//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorRuntime

/// The in-memory transport pair, and a channel over it: bounded capacity, partial writes, writability, end of stream.
@Suite(.timeLimit(.minutes(1)))
struct TransportTests {
    /// Records readiness as a channel would hear it.
    final class Probe: TransportHandler {
        let readable = Recorder<Void>()
        let writable = Recorder<Void>()
        func transportReadable() { readable.record(()) }
        func transportWritable() { writable.record(()) }
    }

    @Test func aFullDirectionTakesPartOfAWriteThenNothingUntilTheReaderMakesRoom() async throws {
        let (a, b) = MemoryTransport.pair(capacity: 10)
        let probeA = Probe()
        let probeB = Probe()
        a.start(probeA)
        b.start(probeB)
        let bytes: [UInt8] = Array(0..<16)
        guard case .wrote(let first) = bytes.withUnsafeBytes({ a.write($0) }) else { Issue.record("no write"); return }
        #expect(first == 10)
        #expect(b.unreadByteCount == 10)
        guard case .wouldBlock = bytes[10...].withUnsafeBytes({ a.write($0) }) else { Issue.record("not full"); return }
        await probeB.readable.value()
        a.loop.execute { a.setWritableInterest(true) }
        let (read, readBytes) = await read(b, atMost: 4)
        guard case .bytes(4) = read else { Issue.record("read \(read)"); return }
        #expect(readBytes == [0, 1, 2, 3])
        await probeA.writable.value()
        guard case .wrote(let second) = bytes[10...].withUnsafeBytes({ a.write($0) }) else {
            Issue.record("no room")
            return
        }
        #expect(second == 4)
        await onLoop(a.loop) {
            a.close()
            b.close()
        }
    }

    @Test func closingOneEndIsTheEndOfTheStreamForTheOtherAfterWhatWasWritten() async throws {
        let (a, b) = MemoryTransport.pair()
        let probe = Probe()
        b.start(probe)
        let bytes: [UInt8] = [1, 2, 3]
        _ = bytes.withUnsafeBytes { a.write($0) }
        await onLoop(a.loop) { a.close() }
        let (first, firstBytes) = await read(b, atMost: 16)
        guard case .bytes(3) = first else { Issue.record("read \(first)"); return }
        #expect(firstBytes == bytes)
        let (second, _) = await read(b, atMost: 16)
        guard case .endOfStream = second else { Issue.record("read \(second)"); return }
        guard case .failed(let error) = bytes.withUnsafeBytes({ b.write($0) }) else { Issue.record("wrote"); return }
        #expect(error.code == .channelClosed)
        await onLoop(b.loop) { b.close() }
    }

    @Test func aChannelOverATinyTransportKeepsFramesInOrderAndDrains() async throws {
        let (a, b) = MemoryTransport.pair(capacity: 7)
        let sender = Channel(transport: a, maximumFrameSize: 1 << 20)
        let receiver = Channel(transport: b, maximumFrameSize: 1 << 20)
        var expected: [Message] = []
        for cid: UInt64 in 1...200 {
            let payload = Array(repeating: UInt8(truncatingIfNeeded: cid), count: Int(cid))
            let message = Message.yield(cid: cid, payload: payload)
            expected.append(message)
            if cid % 3 == 0 { try sender.send(message) } else { try sender.sendBatched(message) }
        }
        var received: [Message] = []
        for _ in expected { received.append(try await receiver.receive()) }
        #expect(received == expected)
        try await sender.waitUntilFlushed()
        sender.close()
        // The receiver reads the end of the stream: a waiting receive fails with `.channelClosed`.
        let error = await #expect(throws: TractorError.self) { try await receiver.receive() }
        #expect(error?.code == .channelClosed)
        #expect(receiver.isClosed)
    }

    @Test func anInjectedWriteFailureClosesTheChannel() async throws {
        let (a, b) = MemoryTransport.pair()
        let sender = Channel(transport: a, maximumFrameSize: 1 << 20)
        let receiver = Channel(transport: b, maximumFrameSize: 1 << 20)
        sender.injectWriteFailure(afterFrames: 2)
        try sender.send(.stop(cid: 1))
        try sender.send(.stop(cid: 2))
        let error = #expect(throws: TractorError.self) { try sender.send(.stop(cid: 3)) }
        #expect(error?.code == .channelClosed)
        #expect(try await receiver.receive() == .stop(cid: 1))
        #expect(try await receiver.receive() == .stop(cid: 2))
        await #expect(throws: TractorError.self) { try await receiver.receive() }
    }

    /// Reads from `transport` on the loop thread; returns what the read did and the bytes read.
    private func read(_ transport: MemoryTransport, atMost count: Int) async -> (TransportRead, [UInt8]) {
        await onLoop(transport.loop) {
            var bytes = [UInt8](repeating: 0, count: count)
            let result = bytes.withUnsafeMutableBytes { transport.read(into: $0) }
            if case .bytes(let read) = result { return (result, Array(bytes[..<read])) }
            return (result, [])
        }
    }

    /// Runs `work` on the loop thread, where a transport's reads and closing belong.
    private func onLoop<T: Sendable>(_ loop: IOLoop, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            loop.execute { continuation.resume(returning: work()) }
        }
    }
}
