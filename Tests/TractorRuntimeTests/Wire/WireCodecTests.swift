//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@_spi(Benchmarks) import TractorRuntime

@Suite struct WireCodecTests {
    static let frank = ActorID(name: "frank", uid: "3f2a-uid", pid: 4_242)
    static let root = ActorID(name: "root", uid: "0000", pid: 1)

    static let errorInfo = RemoteErrorInfo(
        source: frank,
        typeName: "MyApp.ParseError",
        message: "bad input ❌",
        backtrace: "0 main\n1 start",
        job: "parse",
        code: "unknownJob",
        relayPath: [frank, root],
        nested: [RemoteErrorInfo(source: root, typeName: "Swift.CancellationError", message: "")],
        payload: [0x81, 0xa1, 0x78, 0x07]
    )

    static let everyMessage: [Message] = [
        .hello(Hello(actor: frank, cookie: [0xde, 0xad, 0xbe, 0xef])),
        .hello(Hello(actor: ActorID(name: "", uid: "", pid: -1), version: .max, cookie: [])),
        .spawnSpec(
            SpawnSpec(
                jobs: ["is_prime", "echo"],
                binding: BindingSpec(cpus: [0, 2, 4, 70_000], memoryNode: 1),
                registryAddress: "/tmp/tractor-0700/registry.sock",
                logLevel: "debug",
                teardown: TeardownSpec(cancelGraceMilliseconds: 300, terminateGraceMilliseconds: 2_000),
                parent: root
            )
        ),
        .spawnSpec(
            SpawnSpec(
                jobs: [],
                binding: BindingSpec(cpus: [], memoryNode: nil),
                registryAddress: nil,
                logLevel: "info",
                teardown: TeardownSpec(cancelGraceMilliseconds: 0, terminateGraceMilliseconds: .max),
                parent: frank
            )
        ),
        .spawnSpec(
            SpawnSpec(
                jobs: ["x"],
                binding: nil,
                registryAddress: nil,
                logLevel: "trace",
                teardown: TeardownSpec(cancelGraceMilliseconds: 1, terminateGraceMilliseconds: 1),
                parent: frank
            )
        ),
        .start(Start(cid: 1, job: "is_prime", kind: .call, payload: [0x01])),
        .start(Start(cid: .max, job: "ticker", kind: .stream, payload: [])),
        .start(Start(cid: 300, job: "echo", kind: .context, payload: [UInt8](repeating: 9, count: 70_000))),
        .started(cid: 2, payload: [0xc0]),
        .yield(cid: 3, payload: Array(0..<255)),
        .credit(cid: 4, count: 16),
        .credit(cid: 4, count: .max),
        .stop(cid: 5),
        .return(cid: 6, payload: [0x92, 0x01, 0x02]),
        .error(cid: 7, errorInfo),
        .error(cid: nil, RemoteErrorInfo(source: root, typeName: "T", message: "m")),
        .cancel(cid: 8),
        .cancel(cid: nil),
        .cancelAck(cid: 9),
        .cancelAck(cid: nil),
        .batch(Batch(cid: 10, job: "is_prime", inputs: [0x93, 0x01, 0x02, 0x03])),
        .batch(Batch(cid: .max, job: "", inputs: [])),
        .batchReturn(cid: 11, BatchResults(elapsedNanoseconds: 1_234, outputs: [0x92, 0xc3, 0xc2], failures: [])),
        .batchReturn(
            cid: 12,
            BatchResults(
                elapsedNanoseconds: .max,
                outputs: [0x91, 0x07],
                failures: [BatchFailure(index: 0, error: errorInfo), BatchFailure(index: .max, error: errorInfo)]
            )
        ),
    ]

    @Test func everyMessageRoundTrips() throws {
        for message in Self.everyMessage {
            var bytes: [UInt8] = []
            try message.encode(into: &bytes)
            #expect(try Message.decode(from: bytes) == message)
            #expect(try Message.decode(from: bytes[...]) == message)
            let fromPointer = try bytes.withUnsafeBytes { try Message.decode(from: $0) }
            #expect(fromPointer == message)
            // The bytes are plain MessagePack: an array whose first element is the tag.
            guard case .array(let elements) = try MessagePackValue(decoding: bytes), case .int = elements.first else {
                Issue.record("\(message) is not an array starting with a tag")
                continue
            }
        }
    }

    @Test func theLayoutIsFixed() throws {
        func bytes(_ message: Message) throws -> [UInt8] {
            var bytes: [UInt8] = []
            try message.encode(into: &bytes)
            return bytes
        }
        #expect(try bytes(.credit(cid: 7, count: 16)) == [0x93, 0x05, 0x07, 0x10])
        #expect(try bytes(.stop(cid: 3)) == [0x92, 0x06, 0x03])
        #expect(try bytes(.cancel(cid: nil)) == [0x92, 0x09, 0xc0])
        #expect(try bytes(.return(cid: 1, payload: [0xaa])) == [0x93, 0x07, 0x01, 0xc4, 0x01, 0xaa])
        #expect(
            try bytes(.start(Start(cid: 2, job: "j", kind: .stream, payload: [])))
                == [0x95, 0x02, 0x02, 0xa1, 0x6a, 0x01, 0xc4, 0x00]
        )
        #expect(
            try bytes(.batch(Batch(cid: 3, job: "j", inputs: [0x91, 0x01])))
                == [0x94, 0x0b, 0x03, 0xa1, 0x6a, 0xc4, 0x02, 0x91, 0x01]
        )
        #expect(
            try bytes(.batchReturn(cid: 3, BatchResults(elapsedNanoseconds: 5, outputs: [0x90], failures: [])))
                == [0x95, 0x0c, 0x03, 0x05, 0xc4, 0x01, 0x90, 0x90]
        )
        // A failed input is its index and its error, encoded as an `error` message encodes its own.
        let failure = RemoteErrorInfo(source: Self.root, typeName: "T", message: "m")
        var errorBytes: [UInt8] = []
        try Message.error(cid: nil, failure).encode(into: &errorBytes)
        let results = BatchResults(elapsedNanoseconds: 5, outputs: [0x90], failures: [.init(index: 0, error: failure)])
        let failed = try bytes(.batchReturn(cid: 3, results))
        #expect(failed.prefix(7) == [0x95, 0x0c, 0x03, 0x05, 0xc4, 0x01, 0x90])
        #expect(Array(failed.dropFirst(7)) == [0x91, 0x92, 0x00] + errorBytes.dropFirst(3))
        #expect(
            try MessagePackValue(decoding: bytes(.hello(Hello(actor: Self.frank, cookie: [1]))))
                == [0, ["frank", "3f2a-uid", 4_242], .int(Int64(tractorWireVersion)), .binary([1])]
        )
    }

    @Test func framesCarryOneMessageEach() throws {
        var stream: [UInt8] = [0x55]
        for message in Self.everyMessage {
            try message.encodeFrame(into: &stream)
        }
        var decoder = FrameDecoder()
        decoder.append(stream.dropFirst())
        var decoded: [Message] = []
        while let message = try decoder.withNextFrame({ try Message.decode(from: $0) }) {
            decoded.append(message)
        }
        try decoder.finish()
        #expect(decoded == Self.everyMessage)
        #expect(stream[0] == 0x55)
    }

    @Test func framesAboveTheMaximumAreRefused() throws {
        var buffer: [UInt8] = [1, 2]
        let error = expectTractorError(.frameTooLarge) {
            try Message.yield(cid: 1, payload: [UInt8](repeating: 0, count: 100)).encodeFrame(
                into: &buffer,
                maximumFrameSize: 64
            )
        }
        #expect(error != nil)
        #expect(buffer == [1, 2])
    }

    @Test func unknownTagsAreNamed() {
        let error = expectTractorError(.malformedData) { _ = try Message.decode(from: [0x92, 0x2a, 0x01]) }
        #expect(error?.message.contains("42") == true)
        expectTractorError(.malformedData) { _ = try Message.decode(from: [0x92, 0xcd, 0x01, 0x06, 0x01]) }
        expectTractorError(.malformedData) { _ = try Message.decode(from: [0x90]) }
        expectTractorError(.malformedData) { _ = try Message.decode(from: [0x06]) }
        expectTractorError(.malformedData) { _ = try Message.decode(from: []) }
    }

    @Test func wrongArityIsNamed() {
        let error = expectTractorError(.malformedData) { _ = try Message.decode(from: [0x93, 0x06, 0x01, 0x02]) }
        #expect(error?.message.contains("stop") == true && error?.message.contains("tag 6") == true)
        expectTractorError(.malformedData) { _ = try Message.decode(from: [0x92, 0x05, 0x01]) }
    }

    @Test func wrongFieldTypesAreNamed() {
        // credit with a string count.
        let error = expectTractorError(.malformedData) { _ = try Message.decode(from: [0x93, 0x05, 0x01, 0xa1, 0x61]) }
        #expect(error?.message.contains("credit") == true && error?.message.contains("count") == true)
        #expect((error?.cause as? TractorError)?.code == .typeMismatch)
        // start with an unknown call kind, a negative cid, a string payload.
        expectTractorError(.malformedData) {
            _ = try Message.decode(from: [0x95, 0x02, 0x01, 0xa1, 0x6a, 0x07, 0xc4, 0x00])
        }
        expectTractorError(.malformedData) {
            _ = try Message.decode(from: [0x95, 0x02, 0xff, 0xa1, 0x6a, 0x00, 0xc4, 0x00])
        }
        expectTractorError(.malformedData) { _ = try Message.decode(from: [0x95, 0x02, 0x01, 0xa1, 0x6a, 0x00, 0xa0]) }
        // credit count above UInt32.max.
        expectTractorError(.malformedData) {
            _ = try Message.decode(from: [0x93, 0x05, 0x01, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0])
        }
        // trailing bytes.
        expectTractorError(.malformedData) { _ = try Message.decode(from: [0x92, 0x06, 0x03, 0x00]) }
    }

    @Test func everyPrefixOfEveryMessageIsMalformed() throws {
        for message in Self.everyMessage.prefix(7) {
            var bytes: [UInt8] = []
            try message.encode(into: &bytes)
            for length in 0..<bytes.count {
                expectTractorError(.malformedData, "\(message) prefix \(length)") {
                    _ = try Message.decode(from: bytes[..<length])
                }
            }
        }
    }

    @Test func errorNestingIsLimited() throws {
        var info = RemoteErrorInfo(source: Self.root, typeName: "T", message: "m")
        for _ in 0..<40 {
            info = RemoteErrorInfo(source: Self.root, typeName: "T", message: "m", nested: [info])
        }
        var bytes: [UInt8] = []
        try Message.error(cid: 1, info).encode(into: &bytes)
        expectTractorError(.malformedData) { _ = try Message.decode(from: bytes) }
    }
}
