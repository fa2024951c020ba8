//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport
@_spi(Benchmarks) import TractorRuntime

/// Bad input never traps: every malformed byte sequence is a ``TractorError`` with the expected code.
@Suite struct MessagePackBadInputTests {
    struct Record: Codable, Equatable {
        var name: String
        var values: [Int]
        var blob: [UInt8]
        var child: [String: Double]?
    }

    static let record = Record(
        name: "ünïcode 🍺",
        values: [1, -1, 300, -70_000, 1 << 40],
        blob: [1, 2, 3],
        child: ["x": 0.5]
    )

    /// Valid encodings of several shapes; every proper prefix of each is truncated.
    static func validEncodings() throws -> [[UInt8]] {
        let encoder = MessagePackEncoder()
        return [
            try encoder.encode(record),
            try encoder.encode(String(repeating: "a", count: 300)),
            try encoder.encode([UInt8](repeating: 7, count: 300)),
            try encoder.encode(Array(0..<20)),
            try encoder.encode(Dictionary(uniqueKeysWithValues: (0..<17).map { ("\($0)", $0) })),
            try encoder.encode(UInt64.max),
            try encoder.encode(Double.pi),
            try MessagePackValue.timestamp(seconds: -1, nanoseconds: 5).encoded(),
            try MessagePackValue.extension(type: 3, data: [UInt8](repeating: 1, count: 20)).encoded(),
        ]
    }

    @Test func everyPrefixIsTruncated() throws {
        for encoding in try Self.validEncodings() {
            #expect(try MessagePackValue(decoding: encoding).encoded() == encoding)
            for length in 0..<encoding.count {
                let prefix = Array(encoding[..<length])
                expectTractorError(.truncatedData, "prefix \(length) of \(WireTestSupport.hex(encoding))") {
                    _ = try MessagePackValue(decoding: prefix)
                }
            }
        }
        let full = try MessagePackEncoder().encode(Self.record)
        for length in 0..<full.count {
            expectTractorError(.truncatedData, "prefix \(length)") {
                _ = try MessagePackDecoder().decode(Record.self, from: Array(full[..<length]))
            }
        }
        let numbers = try MessagePackEncoder().encode([1, -200, 70_000, 1 << 40])
        for length in 0..<numbers.count {
            expectTractorError(.truncatedData, "prefix \(length)") {
                _ = try MessagePackDecoder().decode([Int].self, from: Array(numbers[..<length]))
            }
        }
    }

    @Test func lengthsBeyondTheInputAreTruncatedBeforeAllocating() {
        let oversized: [[UInt8]] = [
            [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],  // str32 of 4 GiB
            [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],  // bin32 of 4 GiB
            [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],  // array32 of 4 G elements
            [0xdf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01],  // map32 of 4 G pairs
            [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],  // ext32 of 4 GiB
            [0xdc, 0xff, 0xff],  // array16 with nothing after it
        ]
        let decoder = MessagePackDecoder()
        for bytes in oversized {
            expectTractorError(.truncatedData, WireTestSupport.hex(bytes)) { _ = try MessagePackValue(decoding: bytes) }
            expectTractorError(.truncatedData, WireTestSupport.hex(bytes)) {
                _ = try decoder.decode(MessagePackValue.self, from: bytes)
            }
        }
        expectTractorError(.truncatedData) {
            _ = try decoder.decode([Int].self, from: [0xdd, 0xff, 0xff, 0xff, 0xff, 1])
        }
        expectTractorError(.truncatedData) {
            _ = try decoder.decode([String].self, from: [0xdd, 0x7f, 0xff, 0xff, 0xff])
        }
        expectTractorError(.truncatedData) {
            _ = try decoder.decode([Record].self, from: [0xdd, 0x7f, 0xff, 0xff, 0xff])
        }
        expectTractorError(.truncatedData) {
            _ = try decoder.decode(Record.self, from: [0xdf, 0x7f, 0xff, 0xff, 0xff])
        }
        expectTractorError(.truncatedData) {
            _ = try decoder.decode(String.self, from: [0xdb, 0x7f, 0xff, 0xff, 0xff])
        }
    }

    @Test func reservedByteIsMalformed() {
        for bytes: [UInt8] in [[0xc1], [0x92, 0x01, 0xc1], [0x81, 0xc1, 0x01], [0x81, 0xa1, 0x61, 0xc1]] {
            expectTractorError(.malformedData, WireTestSupport.hex(bytes)) { _ = try MessagePackValue(decoding: bytes) }
        }
        expectTractorError(.malformedData) { _ = try MessagePackDecoder().decode(Int.self, from: [0xc1]) }
        expectTractorError(.malformedData) { _ = try MessagePackDecoder().decode([Int].self, from: [0x91, 0xc1]) }
        expectTractorError(.malformedData) {
            _ = try MessagePackDecoder().decode(Record.self, from: [0x81, 0xa1, 0x78, 0xc1])
        }
    }

    @Test func invalidUTF8IsMalformed() {
        let invalid: [[UInt8]] = [[0xa2, 0xff, 0xfe], [0xa2, 0xc3, 0x28], [0xa3, 0xed, 0xa0, 0x80], [0xa1, 0x80]]
        for bytes in invalid {
            expectTractorError(.malformedData, WireTestSupport.hex(bytes)) { _ = try MessagePackValue(decoding: bytes) }
            expectTractorError(.malformedData, WireTestSupport.hex(bytes)) {
                _ = try MessagePackDecoder().decode(String.self, from: bytes)
            }
            expectTractorError(.malformedData, WireTestSupport.hex(bytes)) {
                _ = try MessagePackDecoder().decode([String: Int].self, from: [0x81] + bytes + [0x01])
            }
        }
    }

    @Test func invalidTimestampsAreMalformed() {
        let bytes: [[UInt8]] = [
            [0xd6, 0xff, 0x00, 0x00, 0x00],  // fixext4 missing a byte: truncated, checked below
            [0xd5, 0xff, 0x00, 0x00],  // 2 bytes of timestamp
            [0xd7, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00],  // 64-bit form with nanoseconds above 1e9
        ]
        expectTractorError(.truncatedData) { _ = try MessagePackValue(decoding: bytes[0]) }
        for bad in bytes.dropFirst() {
            expectTractorError(.malformedData, WireTestSupport.hex(bad)) { _ = try MessagePackValue(decoding: bad) }
            expectTractorError(.malformedData, WireTestSupport.hex(bad)) {
                _ = try MessagePackDecoder().decode(Date.self, from: bad)
            }
        }
    }

    @Test func trailingBytesAreMalformed() {
        expectTractorError(.malformedData) { _ = try MessagePackValue(decoding: [0x01, 0x02]) }
        expectTractorError(.malformedData) { _ = try MessagePackDecoder().decode(Int.self, from: [0x01, 0x02]) }
        expectTractorError(.malformedData) { _ = try MessagePackDecoder().decode([Int].self, from: [0x90, 0x90]) }
        expectTractorError(.malformedData) { _ = try MessagePackDecoder().decode(Record?.self, from: [0xc0, 0xc0]) }
    }

    @Test func deepNestingIsRejectedWithoutExhaustingTheStack() throws {
        let depth = 200_000
        let arrays = [UInt8](repeating: 0x91, count: depth) + [0xc0]
        let maps = Array([[UInt8]](repeating: [0x81, 0xa0], count: depth).joined()) + [0xc0]
        for bytes in [arrays, maps] {
            let error = expectTractorError(.malformedData) { _ = try MessagePackValue(decoding: bytes) }
            #expect(error?.message.contains("offset") == true)
            expectTractorError(.malformedData) {
                _ = try MessagePackDecoder().decode(MessagePackValue.self, from: bytes)
            }
        }
        expectTractorError(.malformedData) { _ = try MessagePackDecoder().decode(Tree.self, from: arrays) }
        // A value nobody reads is stepped over without recursion, however deep.
        let skipped = [0x82, 0xa1, 0x78] + arrays + [0xa1, 0x61, 0x07]
        #expect(try MessagePackDecoder().decode(OnlyA.self, from: skipped) == OnlyA(a: 7))
    }

    @Test func nestedClaimsDoNotMultiplyAllocations() {
        // 500 nested arrays and maps, each claiming 65,535 elements, over 64 KiB of input: every claim fits what
        // remains, but the input holds only one element at the bottom.
        var bytes: [UInt8] = []
        for level in 0..<500 {
            bytes += level % 2 == 0 ? [0xdc, 0xff, 0xff] : [0xde, 0x7f, 0xff, 0xa0]
        }
        bytes += [UInt8](repeating: 0xc0, count: 65_536)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            expectTractorError(.truncatedData) { _ = try MessagePackValue(decoding: bytes) }
            expectTractorError(.truncatedData) {
                _ = try MessagePackDecoder().decode(MessagePackValue.self, from: bytes)
            }
        }
        #expect(elapsed < .seconds(20))
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let limit = MessagePackDecoder().maximumDepth
        let bytes = [UInt8](repeating: 0x91, count: limit) + [0x01]
        var value = try MessagePackValue(decoding: bytes)
        var levels = 0
        while case .array(let inner) = value {
            value = inner[0]
            levels += 1
        }
        #expect(levels == limit && value == 1)
        let tree = try MessagePackDecoder().decode(Tree.self, from: [UInt8](repeating: 0x91, count: limit - 1) + [0x90])
        #expect(tree.depth == limit)
        expectTractorError(.malformedData) { _ = try MessagePackValue(decoding: [0x91] + bytes) }
    }

    @Test func randomGarbageNeverTraps() throws {
        var random = SplitMix64(seed: 0x7261_6374_6f72)
        let seeds = try Self.validEncodings()
        var failures = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<40, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            } else {
                bytes = seeds[round % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            for decode in Self.decoders {
                do {
                    try decode(bytes)
                } catch is TractorError {
                    failures += 1
                } catch {
                    Issue.record("\(WireTestSupport.hex(bytes)) threw a non-TractorError: \(error)")
                }
            }
        }
        #expect(failures > 20_000)
    }

    static let decoders: [@Sendable ([UInt8]) throws -> Void] = [
        { _ = try MessagePackValue(decoding: $0) },
        { _ = try MessagePackDecoder().decode(Record.self, from: $0) },
        { _ = try MessagePackDecoder().decode([Int].self, from: $0) },
        { _ = try MessagePackDecoder().decode([String: MessagePackValue].self, from: $0) },
        { _ = try Message.decode(from: $0) },
    ]

    /// A recursive type: an array of trees.
    struct Tree: Decodable {
        var children: [Tree]

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            var children: [Tree] = []
            while !container.isAtEnd {
                children.append(try container.decode(Tree.self))
            }
            self.children = children
        }

        var depth: Int { 1 + (children.map(\.depth).max() ?? 0) }
    }

    struct OnlyA: Codable, Equatable {
        var a: Int
    }
}
