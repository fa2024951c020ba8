//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@_spi(Benchmarks) @testable import TractorRuntime

/// Pool chunks on the wire: the direct encoders and decoder agree with the Codable ones byte for byte.
@Suite struct ChunkWireTests {
    struct Point: Codable, Equatable, Sendable {
        var x: Int
        var label: String
    }

    let failure = ChunkItemFailure(
        index: 1,
        error: WireErrorInfo(
            RemoteErrorInfo(source: ActorID(name: "w", uid: "u", pid: 7), typeName: "E", message: "no", job: "j")
        )
    )

    @Test func requestsMatchTheCodableEncoding() throws {
        let ints = ChunkRequest(job: "square", inputs: [1, -2, 300, Int.max])
        #expect(try ints.encoded() == MessagePackEncoder().encode(ints))
        let points = ChunkRequest(job: "plot", inputs: [Point(x: 1, label: "a"), Point(x: 2, label: "b")])
        #expect(try points.encoded() == MessagePackEncoder().encode(points))
        let none = ChunkRequest(job: "noop", inputs: [String]())
        #expect(try none.encoded() == MessagePackEncoder().encode(none))
    }

    @Test func repliesMatchTheCodableEncodingAndDecodeBack() throws {
        let clean = ChunkReply(elapsedNanoseconds: 123_456, values: [1, 2, 3], failures: [])
        let mixed = ChunkReply(elapsedNanoseconds: 9, values: [Point(x: 1, label: "a")], failures: [failure])
        #expect(try clean.encoded() == MessagePackEncoder().encode(clean))
        #expect(try mixed.encoded() == MessagePackEncoder().encode(mixed))

        let cleanBack = try ChunkReply<Int>.decode(from: clean.encoded())
        #expect(cleanBack.elapsedNanoseconds == 123_456)
        #expect(cleanBack.values == [1, 2, 3])
        #expect(cleanBack.failures.isEmpty)
        let mixedBack = try ChunkReply<Point>.decode(from: mixed.encoded())
        #expect(mixedBack.values == [Point(x: 1, label: "a")])
        #expect(mixedBack.failures.map(\.index) == [1])
        #expect(mixedBack.results.count == 2)
    }

    @Test func malformedRepliesAreTypedErrors() throws {
        let good = try ChunkReply(elapsedNanoseconds: 1, values: [1], failures: []).encoded()
        for length in 0..<good.count {
            #expect(throws: (any Error).self) { try ChunkReply<Int>.decode(from: Array(good[..<length])) }
        }
        #expect(throws: (any Error).self) { try ChunkReply<Int>.decode(from: good + [0]) }
        #expect(throws: (any Error).self) { try ChunkReply<String>.decode(from: good) }
    }

    @Test func groupsCarryEachChunkAndAnswerEachAlone() throws {
        let requests: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 9, count: 300)]
        let request = try ChunkGroupJob.request(requests)
        let count = request.withUnsafeBytes { raw in
            var reader = MessagePackReader(raw)
            return (try? reader.readArrayCount()) ?? -1
        }
        #expect(count == 3)
        // A reply as the worker writes it: one success, one failure.
        let encodedError = try MessagePackEncoder().encode(failure.error)
        var reply: [UInt8] = []
        try ByteArraySink.withSink(appendingTo: &reply) { (sink) throws(TractorError) in
            try sink.writeArrayHeader(count: 2)
            try sink.writeArrayHeader(count: 2)
            sink.writeUInt(0)
            try sink.writeBinary([7, 7])
            try sink.writeArrayHeader(count: 2)
            sink.writeUInt(1)
            try sink.writeBinary(encodedError)
        }
        let results = try ChunkGroupJob.replies(reply, count: 2)
        #expect((try? results[0].get()) == [7, 7])
        guard case .failure(let error) = results[1] else {
            Issue.record("the second chunk failed")
            return
        }
        #expect(error.message == "no")
        #expect(throws: TractorError.self) { try ChunkGroupJob.replies(reply, count: 3) }
    }
}
