//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable import TractorRuntime

/// The path stream elements take without a `Message` being made: it must agree with the general codec byte for byte.
@Suite struct YieldFastPathTests {
    static let cids: [UInt64] = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 0xffff_ffff, 0x1_0000_0000, .max]
    static let sizes = [0, 1, 255, 256, 65_535, 65_536, 70_000]

    @Test(arguments: cids)
    func directEncodingMatchesTheMessageEncoding(cid: UInt64) throws {
        for size in Self.sizes {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var general: [UInt8] = [9, 9]
            try Message.yield(cid: cid, payload: payload).encodeFrame(into: &general)
            var direct: [UInt8] = [9, 9]
            try payload.withUnsafeBytes { try Message.encodeYieldFrame(cid: cid, payload: $0, into: &direct) }
            #expect(direct == general, "cid \(cid), payload of \(size) bytes")
        }
    }

    @Test(arguments: cids)
    func peekingFindsTheCallAndThePayload(cid: UInt64) throws {
        for size in Self.sizes {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ 7) }
            var frame: [UInt8] = []
            try Message.yield(cid: cid, payload: payload).encode(into: &frame)
            let peeked = frame.withUnsafeBytes { Message.peekYield($0) }
            #expect(peeked?.cid == cid)
            #expect(peeked.map { Array(frame[$0.payload]) } == payload)
        }
    }

    @Test func peekingLeavesEverythingElseToTheDecoder() throws {
        let others: [Message] = [
            .stop(cid: 3), .credit(cid: 3, count: 8), .started(cid: 3, payload: [1]), .return(cid: 3, payload: [1]),
            .cancel(cid: nil),
        ]
        for message in others {
            var bytes: [UInt8] = []
            try message.encode(into: &bytes)
            #expect(bytes.withUnsafeBytes { Message.peekYield($0) } == nil, "\(message)")
        }
        // Every truncation and every extension of a yield is left to the decoder, which names the fault.
        var yield: [UInt8] = []
        try Message.yield(cid: 300, payload: [1, 2, 3]).encode(into: &yield)
        for length in 0..<yield.count {
            #expect(Array(yield[..<length]).withUnsafeBytes { Message.peekYield($0) } == nil)
        }
        #expect((yield + [0]).withUnsafeBytes { Message.peekYield($0) } == nil)
        // A yield laid out differently (a cid as uint64 although it fits a fixint) still decodes, the slow way.
        let wide: [UInt8] = [0x93, 0x04, 0xcf, 0, 0, 0, 0, 0, 0, 0, 5, 0xc4, 1, 42]
        #expect(wide.withUnsafeBytes { Message.peekYield($0) }?.cid == 5)
        let odd: [UInt8] = [0x93, 0x04, 0x05, 0xc5, 0, 1, 42]  // bin16 for one byte
        #expect(odd.withUnsafeBytes { Message.peekYield($0) }?.payload == 6..<7)
        #expect(try Message.decode(from: odd) == .yield(cid: 5, payload: [42]))
    }

    @Test func payloadBatchesKeepOrderAcrossInlineAndSharedPayloads() {
        var batch = PayloadBatch()
        let small: [UInt8] = [1, 2, 3]
        small.withUnsafeBytes { batch.append($0) }
        batch.append([UInt8](repeating: 7, count: 100_000))
        let empty: [UInt8] = []
        empty.withUnsafeBytes { batch.append($0) }
        [UInt8]([9]).withUnsafeBytes { batch.append($0) }
        #expect(batch.count == 4)
        #expect(batch.payloads.map(\.count) == [3, 100_000, 0, 1])
        #expect(batch.withPayload(at: 3) { Array($0) } == [9])
        batch.removeAll()
        #expect(batch.isEmpty)
        #expect(batch == PayloadBatch())
    }
}
