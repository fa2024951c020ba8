//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
@_spi(Benchmarks) import TractorRuntime

@Suite struct MessagePackCodableTests {
    enum Color: String, Codable, Equatable { case red, green }
    enum Level: Int, Codable, Equatable {
        case low = 1
        case high = 200
    }
    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case polygon([Int], name: String?)
        case empty
    }

    struct Inner: Codable, Equatable {
        var name: String
        var tags: [String]
        var weight: Float?
    }

    struct Outer: Codable, Equatable {
        var id: UInt64
        var inner: Inner
        var inners: [Inner]
        var matrix: [[Int]]
        var optionalList: [Int?]
        var maybe: Inner?
        var color: Color
        var level: Level
        var shapes: [Shape]
        var lookup: [String: [Int]]
        var numbered: [Int: String]
        var blob: [UInt8]
        var data: Data
        var when: Date
        var any: MessagePackValue
    }

    static let sample = Outer(
        id: 42,
        inner: Inner(name: "a", tags: ["x", "y"], weight: 1.5),
        inners: [Inner(name: "b", tags: [], weight: nil), Inner(name: "c🍺", tags: ["z"], weight: -0.25)],
        matrix: [[1, 2], [], [-3, 400_000, Int.min, Int.max]],
        optionalList: [1, nil, 3],
        maybe: nil,
        color: .green,
        level: .high,
        shapes: [.circle(radius: 2.5), .polygon([1, 2, 3], name: nil), .polygon([], name: "p"), .empty],
        lookup: ["one": [1], "none": []],
        numbered: [1: "one", -7: "minus seven"],
        blob: [0, 1, 2, 255],
        data: Data([9, 8, 7]),
        when: Date(timeIntervalSince1970: 1_514_862_245.5),
        any: [
            1, "two", [3.0: nil], .binary([4]), .extension(type: 5, data: [6]), .timestamp(seconds: -1, nanoseconds: 7),
        ]
    )

    @Test func nestedStructuresRoundTrip() throws {
        let bytes = try MessagePackEncoder().encode(Self.sample)
        let decoded = try MessagePackDecoder().decode(Outer.self, from: bytes)
        #expect(decoded == Self.sample)
        // The bytes are plain MessagePack: a map with string keys.
        guard case .map(let pairs) = try MessagePackValue(decoding: bytes) else {
            Issue.record("a struct must encode as a map")
            return
        }
        #expect(
            pairs.map(\.key)
                == [
                    "id", "inner", "inners", "matrix", "optionalList", "maybe", "color", "level",
                    "shapes", "lookup", "numbered", "blob", "data", "when", "any",
                ].map(MessagePackValue.string)
        )
        #expect(pairs[5].value == .nil)
        #expect(pairs[11].value == .binary([0, 1, 2, 255]))
        #expect(pairs[13].value == .timestamp(seconds: 1_514_862_245, nanoseconds: 500_000_000))
    }

    @Test func decodingFromSlicesAndPointers() throws {
        let bytes = try MessagePackEncoder().encode(Self.sample)
        var framed: [UInt8] = [0xee, 0xee]
        framed += bytes
        framed += [0xee]
        let slice = framed[2..<(framed.count - 1)]
        #expect(try MessagePackDecoder().decode(Outer.self, from: slice) == Self.sample)
        let fromPointer = try bytes.withUnsafeBytes { raw in try MessagePackDecoder().decode(Outer.self, from: raw) }
        #expect(fromPointer == Self.sample)
    }

    @Test func optionalsAreWrittenAsNil() throws {
        struct Maybe: Codable, Equatable {
            var a: Int?
            var b: String?
        }
        let bytes = try MessagePackEncoder().encode(Maybe(a: nil, b: "x"))
        #expect(bytes == [0x82, 0xa1, 0x61, 0xc0, 0xa1, 0x62, 0xa1, 0x78])
        #expect(try MessagePackDecoder().decode(Maybe.self, from: bytes) == Maybe(a: nil, b: "x"))
        // A missing key decodes as nil too.
        #expect(try MessagePackDecoder().decode(Maybe.self, from: [0x80]) == Maybe(a: nil, b: nil))
    }

    @Test func encodeIntoAppends() throws {
        var buffer: [UInt8] = [0xff]
        try MessagePackEncoder().encode([1, 2], into: &buffer)
        try MessagePackEncoder().encode("hi", into: &buffer)
        try MessagePackEncoder().encode([UInt8]([7]), into: &buffer)
        #expect(buffer == [0xff, 0x92, 0x01, 0x02, 0xa2, 0x68, 0x69, 0xc4, 0x01, 0x07])
    }

    @Test func integersAtTheirBoundaries() throws {
        func check<T: FixedWidthInteger & Codable>(
            _ value: T,
            _ hex: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let bytes = try MessagePackEncoder().encode(value)
            #expect(WireTestSupport.hex(bytes) == hex, "\(T.self) \(value)", sourceLocation: sourceLocation)
            #expect(try MessagePackDecoder().decode(T.self, from: bytes) == value, sourceLocation: sourceLocation)
            #expect(
                try MessagePackDecoder().decode([T].self, from: MessagePackEncoder().encode([value, value])) == [
                    value, value,
                ]
            )
        }
        try check(Int8.min, "d0-80")
        try check(Int8.max, "7f")
        try check(Int8(-32), "e0")
        try check(Int8(-33), "d0-df")
        try check(Int16.min, "d1-80-00")
        try check(Int16.max, "cd-7f-ff")
        try check(Int32.min, "d2-80-00-00-00")
        try check(Int32.max, "ce-7f-ff-ff-ff")
        try check(Int64.min, "d3-80-00-00-00-00-00-00-00")
        try check(Int64.max, "d3-7f-ff-ff-ff-ff-ff-ff-ff")
        try check(Int.min, "d3-80-00-00-00-00-00-00-00")
        try check(Int.max, "d3-7f-ff-ff-ff-ff-ff-ff-ff")
        try check(Int(128), "cc-80")
        try check(Int(-129), "d1-ff-7f")
        try check(Int(1 << 32), "d3-00-00-00-01-00-00-00-00")
        try check(UInt8.max, "cc-ff")
        try check(UInt8(127), "7f")
        try check(UInt16.max, "cd-ff-ff")
        try check(UInt32.max, "ce-ff-ff-ff-ff")
        try check(UInt64.max, "cf-ff-ff-ff-ff-ff-ff-ff-ff")
        try check(UInt.max, "cf-ff-ff-ff-ff-ff-ff-ff-ff")
        try check(UInt64(1) << 32, "cf-00-00-00-01-00-00-00-00")
        try check(UInt(0), "00")
    }

    @Test func integersConvertWhenTheyFit() throws {
        let decoder = MessagePackDecoder()
        #expect(try decoder.decode(UInt8.self, from: [0xd3, 0, 0, 0, 0, 0, 0, 0, 200]) == 200)
        #expect(try decoder.decode(Int8.self, from: [0xcf, 0, 0, 0, 0, 0, 0, 0, 5]) == 5)
        #expect(try decoder.decode(Int64.self, from: [0xcd, 0xff, 0xff]) == 65535)
        expectTractorError(.valueOutOfRange) { _ = try decoder.decode(UInt8.self, from: [0xcd, 0x01, 0x00]) }
        expectTractorError(.valueOutOfRange) { _ = try decoder.decode(UInt.self, from: [0xff]) }
        expectTractorError(.valueOutOfRange) {
            _ = try decoder.decode(Int64.self, from: try MessagePackEncoder().encode(UInt64.max))
        }
        expectTractorError(.valueOutOfRange) { _ = try decoder.decode([Int8].self, from: [0x91, 0xcc, 0x80]) }
        // The bulk [Int] reader takes every integer form, and hands the rest to the general reader.
        let maxAsUInt64: [UInt8] = [0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        let five64: [UInt8] = [0xcf, 0, 0, 0, 0, 0, 0, 0, 5]
        #expect(try decoder.decode([Int].self, from: [0x93, 0x01] + maxAsUInt64 + five64) == [1, .max, 5])
        let allForms: [UInt8] = [
            0x9b, 0x05, 0xe0, 0xcc, 0xff, 0xcd, 0x01, 0x00, 0xce, 0, 1, 0, 0, 0xd0, 0x80,
            0xd1, 0x80, 0x00, 0xd2, 0x80, 0, 0, 0, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0, 0x7f,
        ]
        #expect(
            try decoder.decode([Int].self, from: allForms)
                == [5, -32, 255, 256, 65_536, -128, -32_768, Int(Int32.min), .min, 1 << 32, 127]
        )
        expectTractorError(.valueOutOfRange) {
            _ = try decoder.decode([Int].self, from: [0x92, 0x01, 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0])
        }
        expectTractorError(.truncatedData) { _ = try decoder.decode([Int].self, from: [0x92, 0x01, 0xd3, 0x80]) }
        expectTractorError(.typeMismatch) { _ = try decoder.decode(Int.self, from: [0xcb, 0, 0, 0, 0, 0, 0, 0, 0]) }
        expectTractorError(.typeMismatch) { _ = try decoder.decode(Int.self, from: [0xa1, 0x31]) }
        expectTractorError(.typeMismatch) { _ = try decoder.decode(Int.self, from: [0xc0]) }
        expectTractorError(.typeMismatch) { _ = try decoder.decode([Int].self, from: [0x92, 0x01, 0xc3]) }
    }

    @Test func floatingPointSpecialValues() throws {
        let encoder = MessagePackEncoder()
        let decoder = MessagePackDecoder()
        for value in [Double.infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi] {
            let bytes = try encoder.encode(value)
            #expect(bytes.count == 9 && bytes[0] == 0xcb)
            let back = try decoder.decode(Double.self, from: bytes)
            #expect(back.bitPattern == value.bitPattern)
        }
        for value in [Float.infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi] {
            let bytes = try encoder.encode(value)
            #expect(bytes.count == 5 && bytes[0] == 0xca)
            #expect(try decoder.decode(Float.self, from: bytes).bitPattern == value.bitPattern)
            #expect(try decoder.decode(Double.self, from: bytes) == Double(value))
        }
        #expect(try decoder.decode(Double.self, from: encoder.encode(Double.nan)).isNaN)
        #expect(try decoder.decode(Float.self, from: encoder.encode(Float.nan)).isNaN)
        #expect(try decoder.decode(Float.self, from: encoder.encode(Double.nan)).isNaN)
        #expect(
            try decoder.decode([Double].self, from: encoder.encode([-0.0, .infinity])).map(\.bitPattern)
                == [(-0.0).bitPattern, Double.infinity.bitPattern]
        )
        // Float takes a float64 or an integer only when exact.
        #expect(try decoder.decode(Float.self, from: encoder.encode(0.5 as Double)) == 0.5)
        #expect(try decoder.decode(Float.self, from: encoder.encode(16_777_216)) == 16_777_216)
        expectTractorError(.valueOutOfRange) { _ = try decoder.decode(Float.self, from: encoder.encode(0.1 as Double)) }
        expectTractorError(.valueOutOfRange) { _ = try decoder.decode(Float.self, from: encoder.encode(16_777_217)) }
        // Double takes integers.
        #expect(try decoder.decode(Double.self, from: encoder.encode(-5)) == -5)
        #expect(try decoder.decode(Double.self, from: encoder.encode(UInt64.max)) == 18_446_744_073_709_551_616.0)
    }

    @Test func largeContainersWidenTheirHeaders() throws {
        let encoder = MessagePackEncoder()
        let decoder = MessagePackDecoder()
        let sixteen = Dictionary(uniqueKeysWithValues: (0..<16).map { ("k\($0)", $0) })
        let mapBytes = try encoder.encode(sixteen)
        #expect(Array(mapBytes.prefix(3)) == [0xde, 0x00, 0x10])
        #expect(try decoder.decode([String: Int].self, from: mapBytes) == sixteen)

        let wide = [Int16](repeating: -300, count: 70_000)
        let wideBytes = try encoder.encode(wide)
        #expect(Array(wideBytes.prefix(5)) == [0xdd, 0x00, 0x01, 0x11, 0x70])
        #expect(try decoder.decode([Int16].self, from: wideBytes) == wide)

        let nested = [[Int8]](repeating: [Int8](repeating: 1, count: 20), count: 20)
        let nestedBytes = try encoder.encode(nested)
        #expect(Array(nestedBytes.prefix(6)) == [0xdc, 0x00, 0x14, 0xdc, 0x00, 0x14])
        #expect(try decoder.decode([[Int8]].self, from: nestedBytes) == nested)

        let strings = (0..<300).map { String(repeating: "é", count: $0) }
        #expect(try decoder.decode([String].self, from: encoder.encode(strings)) == strings)
        let bytes = [UInt8](repeating: 0xab, count: 70_000)
        let encoded = try encoder.encode(bytes)
        #expect(Array(encoded.prefix(5)) == [0xc6, 0x00, 0x01, 0x11, 0x70])
        #expect(try decoder.decode([UInt8].self, from: encoded) == bytes)
        #expect(try decoder.decode(Data.self, from: encoder.encode(Data(bytes))) == Data(bytes))
    }

    @Test func bytesAlsoDecodeFromAnArrayOfIntegers() throws {
        #expect(try MessagePackDecoder().decode([UInt8].self, from: [0x92, 0x01, 0xcc, 0xff]) == [1, 255])
    }

    class Base: Codable {
        var base: Int
        init(base: Int) { self.base = base }
    }

    final class Derived: Base {
        var extra: String
        init(base: Int, extra: String) {
            self.extra = extra
            super.init(base: base)
        }
        enum CodingKeys: String, CodingKey { case extra }
        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            extra = try container.decode(String.self, forKey: .extra)
            try super.init(from: container.superDecoder())
        }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try super.encode(to: container.superEncoder())
            try container.encode(extra, forKey: .extra)
        }
    }

    @Test func superEncoderValuesAreSplicedIn() throws {
        let bytes = try MessagePackEncoder().encode(Derived(base: 7, extra: "e"))
        #expect(try MessagePackValue(decoding: bytes) == ["super": ["base": 7], "extra": "e"])
        let back = try MessagePackDecoder().decode(Derived.self, from: bytes)
        #expect(back.base == 7 && back.extra == "e")
    }

    struct OutOfOrder: Encodable {
        enum Keys: String, CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var first = outer.nestedUnkeyedContainer(forKey: .a)
            var second = outer.nestedUnkeyedContainer(forKey: .b)
            try second.encode(2)
            try first.encode(1)
        }
    }

    @Test func containersUsedOutOfOrderAreAnError() {
        expectTractorError(.encodingFailed) { _ = try MessagePackEncoder().encode(OutOfOrder()) }
    }

    struct Nothing: Codable, Equatable {}

    @Test func aValueThatWritesNothingIsAnEmptyMap() throws {
        #expect(try MessagePackEncoder().encode(Nothing()) == [0x80])
        #expect(try MessagePackEncoder().encode([Nothing(), Nothing()]) == [0x92, 0x80, 0x80])
        #expect(try MessagePackDecoder().decode(Nothing.self, from: [0x80]) == Nothing())
    }

    @Test func missingKeysAreDecodingFailures() throws {
        let bytes = try MessagePackEncoder().encode(["name": "x"])
        let error = expectTractorError(.decodingFailed) { _ = try MessagePackDecoder().decode(Inner.self, from: bytes) }
        #expect(error?.cause is DecodingError)
        #expect(error?.message.contains("tags") == true)
    }

    @Test func typeErrorsNameTheCodingPath() throws {
        let bytes = try MessagePackEncoder().encode(["name": MessagePackValue.string("x"), "tags": [.int(1)]])
        let error = expectTractorError(.typeMismatch) { _ = try MessagePackDecoder().decode(Inner.self, from: bytes) }
        #expect(error?.message.contains("at offset ") == true, "\(String(describing: error))")
        #expect(error?.message.contains("(at tags") == true, "\(String(describing: error))")
    }

    @Test func integerMapKeysFromOtherEncoders() throws {
        // {1: "a", 2: "b"} as Python would send it.
        let bytes: [UInt8] = [0x82, 0x01, 0xa1, 0x61, 0x02, 0xa1, 0x62]
        #expect(try MessagePackDecoder().decode([Int: String].self, from: bytes) == [1: "a", 2: "b"])
        expectTractorError(.typeMismatch) {
            _ = try MessagePackDecoder().decode([String: Int].self, from: [0x81, 0xc3, 0x01])
        }
    }
}
