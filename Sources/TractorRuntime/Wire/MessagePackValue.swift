//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Any MessagePack value, decoded without knowing its type in advance.
///
/// Use it to inspect messages of unknown shape, to build values by hand, or to hold the parts of a Codable type
/// that vary. It is `Codable` through ``MessagePackEncoder`` and ``MessagePackDecoder`` (where it reads and writes
/// the bytes directly, extensions and timestamps included), and it has its own fast entry points:
///
/// ```swift
/// let value = try MessagePackValue(decoding: [0x92, 0x01, 0xa1, 0x61])
/// // value == .array([.int(1), .string("a")])
/// let bytes = try value.encoded()              // [0x92, 0x01, 0xa1, 0x61]
/// ```
///
/// Integers that fit `Int64` decode as ``int(_:)``; only larger ones decode as ``uint(_:)``. Equality treats the two
/// cases as numbers, so `.int(1) == .uint(1)`. A `Float` and a `Double` are different values even when equal as
/// numbers, because they have different encodings; NaN equals NaN so that the type is a lawful `Hashable`.
/// Map pairs keep their order on the wire, and equality compares them in order.
package enum MessagePackValue: Sendable, Hashable {
    /// The nil value.
    case `nil`
    /// A boolean.
    case bool(Bool)
    /// A signed integer. Encoded in the smallest integer form that holds it.
    case int(Int64)
    /// An unsigned integer. Encoded in the smallest integer form that holds it.
    case uint(UInt64)
    /// A 32-bit float, encoded as float32.
    case float(Float)
    /// A 64-bit float, encoded as float64.
    case double(Double)
    /// A UTF-8 string.
    case string(String)
    /// Binary data (the bin family).
    case binary([UInt8])
    /// An array of values.
    case array([MessagePackValue])
    /// A map, as its key-value pairs in wire order.
    case map([(key: MessagePackValue, value: MessagePackValue)])
    /// An application-defined extension value: its type (0...127; negative types are reserved) and its data.
    case `extension`(type: Int8, data: [UInt8])
    /// A point in time (extension type -1): seconds since 1970-01-01T00:00:00Z, and nanoseconds below one billion.
    case timestamp(seconds: Int64, nanoseconds: UInt32)

    /// Compares two values: integers as numbers, floats with NaN equal to NaN, maps pair by pair in order.
    package static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.int(let a), .uint(let b)), (.uint(let b), .int(let a)): return a >= 0 && UInt64(a) == b
        case (.float(let a), .float(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.extension(let t1, let d1), .extension(let t2, let d2)): return t1 == t2 && d1 == d2
        case (.timestamp(let s1, let n1), .timestamp(let s2, let n2)): return s1 == s2 && n1 == n2
        default: return false
        }
    }

    /// Hashes the value consistently with ``==(_:_:)``.
    package func hash(into hasher: inout Hasher) {
        switch self {
        case .nil:
            hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .int(let value):
            hasher.combine(2)
            hasher.combine(value >= 0)
            hasher.combine(UInt64(bitPattern: value))
        case .uint(let value):
            hasher.combine(2)
            hasher.combine(true)
            hasher.combine(value)
        case .float(let value):
            hasher.combine(3)
            if value.isNaN { hasher.combine(Float.nan.bitPattern) } else { hasher.combine(value) }
        case .double(let value):
            hasher.combine(4)
            if value.isNaN { hasher.combine(Double.nan.bitPattern) } else { hasher.combine(value) }
        case .string(let value):
            hasher.combine(5)
            hasher.combine(value)
        case .binary(let value):
            hasher.combine(6)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(7)
            hasher.combine(value)
        case .map(let pairs):
            hasher.combine(8)
            hasher.combine(pairs.count)
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        case .extension(let type, let data):
            hasher.combine(9)
            hasher.combine(type)
            hasher.combine(data)
        case .timestamp(let seconds, let nanoseconds):
            hasher.combine(10)
            hasher.combine(seconds)
            hasher.combine(nanoseconds)
        }
    }
}

extension MessagePackValue: CustomStringConvertible {
    /// A compact, JSON-like rendering for logs and test failures, such as `[1, "a", {"k": nil}]`.
    package var description: String {
        switch self {
        case .nil: return "nil"
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .uint(let value): return String(value)
        case .float(let value): return "\(value)f"
        case .double(let value): return String(value)
        case .string(let value): return String(reflecting: value)
        case .binary(let value): return "bin\(value)"
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .map(let pairs):
            return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .extension(let type, let data): return "ext(\(type), \(data))"
        case .timestamp(let seconds, let nanoseconds): return "timestamp(\(seconds)s, \(nanoseconds)ns)"
        }
    }
}

extension MessagePackValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// Creates ``nil``.
    package init(nilLiteral: ()) { self = .nil }
    /// Creates ``bool(_:)``.
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates ``int(_:)``.
    package init(integerLiteral value: Int64) { self = .int(value) }
    /// Creates ``double(_:)``.
    package init(floatLiteral value: Double) { self = .double(value) }
    /// Creates ``string(_:)``.
    package init(stringLiteral value: String) { self = .string(value) }
    /// Creates ``array(_:)``.
    package init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
    /// Creates ``map(_:)`` with the pairs in the order written.
    package init(dictionaryLiteral elements: (MessagePackValue, MessagePackValue)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}
