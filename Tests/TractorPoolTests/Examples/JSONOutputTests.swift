//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorCommandLine

/// The commands' JSON writer against Foundation's `JSONEncoder` with the options the commands used to pass it: the
/// same text, byte for byte.
@Suite
struct JSONOutputTests {
    struct Inner: Encodable {
        var name: String
        var cpus: String?
        var count: Int
    }

    struct Sample: Encodable {
        var text: String
        var absent: String?
        var present: Int?
        var flag: Bool
        var small: Int8
        var smallest: Int
        var largest: UInt64
        var fraction: Double
        var whole: Double
        var tiny: Float
        var empty: [Int]
        var emptyObject: [String: Int]
        var holes: [String?]
        var nested: [[Int]]
        var inners: [Inner]
        var byName: [String: [Int?]]
    }

    static let awkwardStrings = [
        "", "plain", "a/b/c", "quote \" and backslash \\", "line\nbreak\r\ttab", "\u{08}\u{0C}\u{00}\u{01}\u{1F}\u{7F}",
        "é ñ 漢字 🦀", "\u{2028}\u{2029}", "</script>",
    ]

    static let sample = Sample(
        text: awkwardStrings.joined(separator: "|"),
        absent: nil,
        present: 7,
        flag: true,
        small: -128,
        smallest: .min,
        largest: .max,
        fraction: -0.25,
        whole: 2,
        tiny: 1.5,
        empty: [],
        emptyObject: [:],
        holes: ["x", nil, "y"],
        nested: [[], [1, 2], [3]],
        inners: [Inner(name: "n0", cpus: nil, count: 0), Inner(name: "n1", cpus: "0-3,8", count: 1)],
        byName: Dictionary(
            uniqueKeysWithValues: ["b", "a", "B", "aa", "a b", "10", "9", "é", "Z", "_", "per-core"].enumerated().map {
                ($1, [$0, nil])
            }
        )
    )

    static func foundation<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func aRichValueIsWrittenAsJSONEncoderWritesIt() throws {
        let ours = try JSONOutputEncoder().encode(Self.sample)
        #expect(ours == (try Self.foundation(Self.sample)))
        #expect(!ours.contains("absent"), "a nil property is left out")
    }

    @Test(arguments: awkwardStrings)
    func stringsAreEscapedAsJSONEncoderEscapesThem(_ text: String) throws {
        #expect(try JSONOutputEncoder().encode([text]) == (try Self.foundation([text])))
        #expect(try JSONOutputEncoder().encode(["key": text]) == (try Self.foundation(["key": text])))
    }

    @Test func topLevelValuesAndEmptyContainers() throws {
        #expect(try JSONOutputEncoder().encode([Int]()) == (try Self.foundation([Int]())))
        #expect(try JSONOutputEncoder().encode([String: String]()) == (try Self.foundation([String: String]())))
        #expect(try JSONOutputEncoder().encode([[String: Int]()]) == (try Self.foundation([[String: Int]()])))
        #expect(try JSONOutputEncoder().encode("top") == (try Self.foundation("top")))
        #expect(try JSONOutputEncoder().encode(42) == "42")
    }

    @Test func aNumberJSONCannotSpellIsAnError() {
        #expect(throws: EncodingError.self) { try JSONOutputEncoder().encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONOutputEncoder().encode(["x": Double.infinity]) }
    }
}
