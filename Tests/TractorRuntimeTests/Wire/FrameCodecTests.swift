//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorTestSupport
@_spi(Benchmarks) import TractorRuntime

@Suite struct FrameCodecTests {
    static let payloads: [[UInt8]] = [
        [],
        [0x01],
        Array(0..<200),
        [],
        [UInt8](repeating: 0xab, count: 1_000),
        [0xff, 0x00, 0xff],
    ]

    static func stream(_ payloads: [[UInt8]]) throws -> [UInt8] {
        var stream: [UInt8] = []
        for payload in payloads {
            try FrameEncoder().encode(payload, into: &stream)
        }
        return stream
    }

    /// Feeds `chunks` one by one and collects every frame as it completes.
    static func decode(_ chunks: [ArraySlice<UInt8>], maximumFrameSize: Int = 1 << 20) throws -> [[UInt8]] {
        var decoder = FrameDecoder(maximumFrameSize: maximumFrameSize)
        var frames: [[UInt8]] = []
        for chunk in chunks {
            decoder.append(chunk)
            while let frame = try decoder.nextFrame() {
                frames.append(frame)
            }
        }
        try decoder.finish()
        return frames
    }

    @Test func encodingPrefixesTheBigEndianLength() throws {
        var buffer: [UInt8] = [0x99]
        try FrameEncoder().encode([1, 2, 3], into: &buffer)
        try FrameEncoder().encode(Array(repeating: 0, count: 258), into: &buffer)
        #expect(Array(buffer.prefix(8)) == [0x99, 0, 0, 0, 3, 1, 2, 3])
        #expect(Array(buffer[8..<12]) == [0, 0, 1, 2])
        #expect(buffer.count == 12 + 258)
    }

    @Test func everySplitPointGivesTheSameFrames() throws {
        let stream = try Self.stream(Self.payloads)
        for split in 0...stream.count {
            let frames = try Self.decode([stream[..<split], stream[split...]])
            #expect(frames == Self.payloads, "split at \(split)")
        }
    }

    @Test func byteAtATime() throws {
        let stream = try Self.stream(Self.payloads)
        #expect(try Self.decode(stream.indices.map { stream[$0...$0] }) == Self.payloads)
    }

    @Test func randomMultiSplits() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let payloads = (0..<Int.random(in: 0..<12, using: &random)).map { _ in
                (0..<Int.random(in: 0..<3_000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            let stream = try Self.stream(payloads)
            var cuts = (0..<Int.random(in: 0..<20, using: &random)).map { _ in
                Int.random(in: 0...stream.count, using: &random)
            }
            cuts = ([0] + cuts + [stream.count]).sorted()
            let chunks = zip(cuts, cuts.dropFirst()).map { stream[$0..<$1] }
            #expect(try Self.decode(chunks) == payloads)
        }
    }

    @Test func slicesAndBorrowedFrames() throws {
        var decoder = FrameDecoder()
        decoder.append(try Self.stream([[1, 2], [3], [4, 5, 6]]))
        #expect(try decoder.nextFrameSlice().map(Array.init) == [1, 2])
        #expect(try decoder.withNextFrame { Array($0) } == [3])
        #expect(try decoder.withNextFrame { $0.count } == 3)
        #expect(try decoder.nextFrame() == nil)
        #expect(try decoder.withNextFrame { $0.count } == nil)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func manySmallFramesInOneChunkAreLinear() throws {
        let payloads = (0..<100_000).map { [UInt8(truncatingIfNeeded: $0)] }
        let stream = try Self.stream(payloads)
        let clock = ContinuousClock()
        var decoded: [[UInt8]] = []
        let elapsed = try clock.measure {
            decoded = try Self.decode([stream[...]])
        }
        #expect(decoded == payloads)
        // Quadratic copying would move ~25 GB here; linear decoding takes milliseconds even in debug builds.
        #expect(elapsed < .seconds(10))
    }

    @Test func oversizedFramesFailAsSoonAsTheHeaderArrives() throws {
        var decoder = FrameDecoder(maximumFrameSize: 1_024)
        decoder.append([0x00, 0x00, 0x04])
        #expect(try decoder.nextFrame() == nil)
        decoder.append([0x01])  // 1025 bytes announced; none of the payload has arrived.
        let error = expectTractorError(.frameTooLarge) { _ = try decoder.nextFrame() }
        #expect(error?.message.contains("1025") == true)
        #expect(decoder.bufferedByteCount == 4)
        // The decoder stays failed.
        decoder.append([UInt8](repeating: 0, count: 2_000))
        expectTractorError(.frameTooLarge) { _ = try decoder.nextFrame() }
        expectTractorError(.frameTooLarge) { try decoder.finish() }

        var huge = FrameDecoder()
        huge.append([0xff, 0xff, 0xff, 0xff])
        expectTractorError(.frameTooLarge) { _ = try huge.nextFrame() }

        var exact = FrameDecoder(maximumFrameSize: 1_024)
        exact.append(try Self.stream([[UInt8](repeating: 1, count: 1_024)]))
        #expect(try exact.nextFrame()?.count == 1_024)
    }

    @Test func encodingEnforcesTheMaximum() throws {
        var buffer: [UInt8] = [7]
        let encoder = FrameEncoder(maximumFrameSize: 4)
        expectTractorError(.frameTooLarge) { try encoder.encode([1, 2, 3, 4, 5], into: &buffer) }
        #expect(buffer == [7])
        expectTractorError(.frameTooLarge) {
            try encoder.encodeFrame(into: &buffer) { $0 += [1, 2, 3, 4, 5] }
        }
        #expect(buffer == [7])
        try encoder.encodeFrame(into: &buffer) { $0 += [1, 2] }
        #expect(buffer == [7, 0, 0, 0, 2, 1, 2])
    }

    @Test func aStreamEndingInsideAFrameIsTruncated() throws {
        var decoder = FrameDecoder()
        decoder.append([0, 0, 0, 5, 1, 2])
        #expect(try decoder.nextFrame() == nil)
        expectTractorError(.truncatedData) { try decoder.finish() }
        var header = FrameDecoder()
        header.append([0, 0])
        expectTractorError(.truncatedData) { try header.finish() }
    }
}
