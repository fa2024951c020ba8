//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// `Data` and `Date` have native forms (binary data, the timestamp extension) that other MessagePack implementations
// read as bytes and times. FoundationEssentials defines both without loading Foundation or ICU; the codec is the
// only part of the runtime that imports it.
internal import FoundationEssentials

/// The types the coders read and write themselves rather than through their `Codable` conformance: the ones the
/// format has a native form for, and the arrays it handles in bulk.
///
/// Looking a type up here costs a few pointer comparisons against identifiers computed once; comparing `T.self`
/// with `[Int].self` in unspecialized code would instead look up generic metadata on every call.
enum MessagePackDirectType {
    case intArray
    case byteArray
    case stringArray
    case doubleArray
    case string
    case int
    case double
    case bool
    case data
    case date
    case value
    case float
    case int8
    case int16
    case int32
    case int64
    case uint
    case uint8
    case uint16
    case uint32
    case uint64

    private static let table: [(ObjectIdentifier, MessagePackDirectType)] = [
        (ObjectIdentifier([Int].self), .intArray),
        (ObjectIdentifier(String.self), .string),
        (ObjectIdentifier(Int.self), .int),
        (ObjectIdentifier([UInt8].self), .byteArray),
        (ObjectIdentifier([String].self), .stringArray),
        (ObjectIdentifier(Double.self), .double),
        (ObjectIdentifier(Bool.self), .bool),
        (ObjectIdentifier([Double].self), .doubleArray),
        (ObjectIdentifier(Data.self), .data),
        (ObjectIdentifier(Date.self), .date),
        (ObjectIdentifier(MessagePackValue.self), .value),
        (ObjectIdentifier(Float.self), .float),
        (ObjectIdentifier(Int64.self), .int64),
        (ObjectIdentifier(UInt64.self), .uint64),
        (ObjectIdentifier(Int32.self), .int32),
        (ObjectIdentifier(UInt32.self), .uint32),
        (ObjectIdentifier(UInt.self), .uint),
        (ObjectIdentifier(Int16.self), .int16),
        (ObjectIdentifier(UInt16.self), .uint16),
        (ObjectIdentifier(Int8.self), .int8),
        (ObjectIdentifier(UInt8.self), .uint8),
    ]

    /// The direct form of `type`, or `nil` when it goes through its `Codable` conformance.
    @inline(__always)
    static func of<T>(_ type: T.Type) -> MessagePackDirectType? {
        let id = ObjectIdentifier(type)
        for (candidate, kind) in table where candidate == id {
            return kind
        }
        return nil
    }
}

/// Returns `value` as `U`; the caller has established that `T` and `U` are the same type.
@inline(__always)
func identityCast<T, U>(_ value: T, to: U.Type) -> U {
    withUnsafePointer(to: value) { pointer in
        UnsafeRawPointer(pointer).load(as: U.self)
    }
}
