//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
@_spi(Benchmarks) import TractorRuntime

/// The official MessagePack test vectors: every listed encoding decodes to the value, and encoding the value gives
/// the first listed encoding (the smallest form).
@Suite struct MessagePackVectorTests {
    struct Vector: CustomStringConvertible {
        var file: String
        var kind: String
        var json: Any
        var value: MessagePackValue
        var encodings: [[UInt8]]

        var description: String { "\(file) \(kind) \(value)" }
    }

    static func loadVectors() throws -> [Vector] {
        let url = try WireTestSupport.fixtureURL("msgpack-test-suite/msgpack-test-suite.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var vectors: [Vector] = []
        for (file, entries) in root.sorted(by: { $0.key < $1.key }) {
            for entry in try #require(entries as? [[String: Any]]) {
                let encodings = try #require(entry["msgpack"] as? [String]).map(WireTestSupport.bytes)
                let kind =
                    entry.keys.first { $0 != "msgpack" && $0 != "number" && $0 != "bignum" }
                    ?? (entry["number"] != nil ? "number" : "bignum")
                let json = try #require(entry[kind])
                vectors.append(
                    Vector(file: file, kind: kind, json: json, value: try value(kind, json), encodings: encodings)
                )
            }
        }
        return vectors
    }

    /// The value a vector describes, built from its JSON.
    static func value(_ kind: String, _ json: Any) throws -> MessagePackValue {
        switch kind {
        case "nil":
            return .nil
        case "bool":
            return .bool(try #require(json as? Bool))
        case "binary":
            return .binary(WireTestSupport.bytes(try #require(json as? String)))
        case "bignum":
            let text = try #require(json as? String)
            if let signed = Int64(text) {
                return .int(signed)
            }
            return .uint(try #require(UInt64(text)))
        case "number":
            return number(json)
        case "string":
            return .string(try #require(json as? String))
        case "array":
            return .array(try #require(json as? [Any]).map { try plain($0) })
        case "map":
            let dictionary = try #require(json as? [String: Any])
            return .map(try dictionary.map { (key: .string($0.key), value: try plain($0.value)) })
        case "timestamp":
            let parts = try #require(json as? [NSNumber])
            return .timestamp(seconds: parts[0].int64Value, nanoseconds: parts[1].uint32Value)
        case "ext":
            let parts = try #require(json as? [Any])
            let type = try #require(parts[0] as? NSNumber)
            return .extension(type: type.int8Value, data: WireTestSupport.bytes(try #require(parts[1] as? String)))
        default:
            Issue.record("unknown vector kind \(kind)")
            return .nil
        }
    }

    /// A JSON number as the value its smallest encoding has: an integer (unsigned when not negative), else a
    /// float32 when exact, else a float64. (The suite lists uint64 first for large JSON numbers, and int64 first
    /// for the signed 64-bit values it gives only as "bignum" strings.)
    static func number(_ json: Any) -> MessagePackValue {
        let number = json as! NSNumber
        let double = number.doubleValue
        if double.rounded() == double, let exact = Int64(exactly: double) {
            return exact >= 0 ? .uint(UInt64(exact)) : .int(exact)
        }
        if let single = Float(exactly: double) {
            return .float(single)
        }
        return .double(double)
    }

    /// A JSON value inside an array or map.
    static func plain(_ json: Any) throws -> MessagePackValue {
        switch json {
        case let text as String: return .string(text)
        case let array as [Any]: return .array(try array.map(plain))
        case let map as [String: Any]: return .map(try map.map { (key: .string($0.key), value: try plain($0.value)) })
        default: return number(json)
        }
    }

    /// Whether a decoded value is the vector's value: numbers compare by value, across integers and floats.
    static func matches(_ decoded: MessagePackValue, _ expected: MessagePackValue) -> Bool {
        func numeric(_ value: MessagePackValue) -> Double? {
            switch value {
            case .int(let v): Double(v)
            case .uint(let v): Double(v)
            case .float(let v): Double(v)
            case .double(let v): v
            default: nil
            }
        }
        if let a = numeric(decoded), let b = numeric(expected) {
            return a == b
        }
        return decoded == expected
    }

    @Test func theSuiteIsComplete() throws {
        let vectors = try Self.loadVectors()
        #expect(Set(vectors.map(\.file)).count == 15)
        #expect(vectors.count == 85)
        #expect(vectors.map(\.encodings.count).reduce(0, +) == 233)
    }

    @Test func everyEncodingDecodesToTheValue() throws {
        for vector in try Self.loadVectors() {
            for encoding in vector.encodings {
                let decoded = try MessagePackValue(decoding: encoding)
                let hex = WireTestSupport.hex(encoding)
                #expect(Self.matches(decoded, vector.value), "\(vector): \(hex) → \(decoded)")
            }
        }
    }

    @Test func encodingGivesTheFirstForm() throws {
        for vector in try Self.loadVectors() {
            let encoded = try vector.value.encoded()
            #expect(
                encoded == vector.encodings[0],
                "\(vector): \(WireTestSupport.hex(encoded)) != \(WireTestSupport.hex(vector.encodings[0]))"
            )
        }
    }

    @Test func numbersDecodeThroughCodable() throws {
        let decoder = MessagePackDecoder()
        for vector in try Self.loadVectors() where vector.kind == "number" || vector.kind == "bignum" {
            for encoding in vector.encodings {
                let isFloat = encoding[0] == 0xca || encoding[0] == 0xcb
                switch vector.value {
                case .int(let expected):
                    #expect(try decoder.decode(Double.self, from: encoding) == Double(expected), "\(vector)")
                    if !isFloat {
                        #expect(try decoder.decode(Int64.self, from: encoding) == expected, "\(vector)")
                    }
                case .uint(let expected):
                    #expect(try decoder.decode(Double.self, from: encoding) == Double(expected), "\(vector)")
                    if !isFloat {
                        #expect(try decoder.decode(UInt64.self, from: encoding) == expected, "\(vector)")
                    }
                case .float(let expected):
                    #expect(try decoder.decode(Float.self, from: encoding) == expected, "\(vector)")
                    #expect(try decoder.decode(Double.self, from: encoding) == Double(expected), "\(vector)")
                default:
                    Issue.record("unexpected number vector \(vector)")
                }
            }
        }
    }

    @Test func scalarsEncodeThroughCodableInTheFirstForm() throws {
        let encoder = MessagePackEncoder()
        for vector in try Self.loadVectors() {
            let first = vector.encodings[0]
            switch vector.value {
            case .nil: #expect(try encoder.encode(Int?.none) == first)
            case .bool(let value): #expect(try encoder.encode(value) == first)
            case .int(let value): #expect(try encoder.encode(value) == first, "\(vector)")
            case .uint(let value): #expect(try encoder.encode(value) == first, "\(vector)")
            case .float(let value): #expect(try encoder.encode(value) == first, "\(vector)")
            case .string(let value): #expect(try encoder.encode(value) == first, "\(vector)")
            case .binary(let value): #expect(try encoder.encode(value) == first, "\(vector)")
            default: #expect(try encoder.encode(vector.value) == first, "\(vector)")
            }
        }
    }

    @Test func stringsAndBinaryDecodeThroughCodable() throws {
        let decoder = MessagePackDecoder()
        for vector in try Self.loadVectors() {
            for encoding in vector.encodings {
                switch vector.value {
                case .string(let expected): #expect(try decoder.decode(String.self, from: encoding) == expected)
                case .binary(let expected):
                    #expect(try decoder.decode([UInt8].self, from: encoding) == expected)
                    #expect(try decoder.decode(Data.self, from: encoding) == Data(expected))
                case .timestamp(let seconds, let nanoseconds):
                    let date = try decoder.decode(Date.self, from: encoding)
                    let expected = Double(seconds) + Double(nanoseconds) / 1e9
                    #expect(abs(date.timeIntervalSince1970 - expected) < 1e-5 * max(1, abs(expected) / 1e9))
                default: break
                }
            }
        }
    }
}
