//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `Decoder` that ``MessagePackDecoder`` hands to `init(from:)`.
///
/// One instance serves a whole decode: nested values reuse it, saving and restoring where the current value starts
/// (``valueStart``), how deeply it is nested, and where it ends once a container or read has found out
/// (``valueEnd``; a value whose end nobody found is stepped over with ``MessagePackReader/skipValue()``).
final class MessagePackDecoderImpl: Decoder {
    let bytes: UnsafeRawBufferPointer
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { sendableUserInfo }
    let maximumDepth: Int
    var codingPath: [any CodingKey] = []

    /// The offset where the value being decoded starts.
    private(set) var valueStart = 0
    /// How many arrays and maps enclose the value being decoded.
    private(set) var valueDepth = 0
    /// The offset just after the value being decoded, or -1 while unknown.
    private var valueEnd = -1

    init(bytes: UnsafeRawBufferPointer, userInfo: [CodingUserInfoKey: any Sendable], maximumDepth: Int) {
        self.bytes = bytes
        self.sendableUserInfo = userInfo
        self.maximumDepth = maximumDepth
    }

    /// Creates a decoder for the value at `offset`, as `superDecoder()` returns it.
    convenience init(
        bytes: UnsafeRawBufferPointer,
        userInfo: [CodingUserInfoKey: any Sendable],
        maximumDepth: Int,
        at offset: Int,
        depth: Int,
        codingPath: [any CodingKey]
    ) {
        self.init(bytes: bytes, userInfo: userInfo, maximumDepth: maximumDepth)
        self.valueStart = offset
        self.valueDepth = depth
        self.codingPath = codingPath
    }

    /// A reader positioned at `offset`.
    @inline(__always)
    func reader(at offset: Int) -> MessagePackReader {
        MessagePackReader(bytes, offset: offset)
    }

    /// Records that the value starting at `start` ends at `end`, when that value is the one being decoded.
    @inline(__always)
    func noteEnd(of start: Int, at end: Int) {
        if start == valueStart {
            valueEnd = end
        }
    }

    /// Adds the coding path to an error from the reader.
    func annotate(_ error: TractorError, at path: [any CodingKey]) -> TractorError {
        TractorError(error.code, "\(error.message) (at \(MessagePackEncoderImpl.render(path)))", cause: error.cause)
    }

    /// Throws when a container at `depth` would nest deeper than allowed.
    func checkDepth(_ depth: Int, at offset: Int) throws(TractorError) {
        guard depth <= maximumDepth else {
            throw TractorError(
                .malformedData,
                "arrays and maps nest more than \(maximumDepth) deep at offset \(offset) "
                    + "(at \(MessagePackEncoderImpl.render(codingPath)))"
            )
        }
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(
            try MessagePackKeyedDecodingContainer<Key>(
                decoder: self,
                start: valueStart,
                depth: valueDepth,
                codingPath: codingPath
            )
        )
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try MessagePackUnkeyedDecodingContainer(
            decoder: self,
            start: valueStart,
            depth: valueDepth,
            codingPath: codingPath
        )
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        MessagePackSingleValueDecodingContainer(
            decoder: self,
            start: valueStart,
            depth: valueDepth,
            codingPath: codingPath
        )
    }

    // MARK: Values

    /// Decodes the value at `offset`, nested `depth` deep, and returns it with the offset just after it.
    func decodeValue<T: Decodable>(_ type: T.Type, at offset: Int, depth: Int) throws -> (T, Int) {
        if let direct = try decodeDirectly(T.self, at: offset, depth: depth) {
            return direct
        }
        try checkDepth(depth, at: offset)
        let saved = (valueStart, valueDepth, valueEnd)
        valueStart = offset
        valueDepth = depth
        valueEnd = -1
        defer { (valueStart, valueDepth, valueEnd) = saved }
        let value = try T(from: self)
        if valueEnd >= 0 {
            return (value, valueEnd)
        }
        var reader = reader(at: offset)
        try reader.skipValue()
        return (value, reader.offset)
    }

    /// Decodes the value at `offset` as the element `key` of the current coding path.
    @inline(__always)
    func decodeValue<T: Decodable>(_ type: T.Type, at offset: Int, depth: Int, key: any CodingKey) throws -> (T, Int) {
        codingPath.append(key)
        defer { codingPath.removeLast() }
        return try decodeValue(type, at: offset, depth: depth)
    }

    /// Reads the value being decoded as a ``MessagePackValue``.
    func decodeDynamicValue() throws(TractorError) -> MessagePackValue {
        var reader = reader(at: valueStart)
        let value = try MessagePackValue.read(from: &reader, depthLeft: maximumDepth - valueDepth)
        valueEnd = reader.offset
        return value
    }

    /// Reads the types this format represents natively, and the arrays it reads in bulk.
    private func decodeDirectly<T: Decodable>(_ type: T.Type, at offset: Int, depth: Int) throws -> (T, Int)? {
        var reader = reader(at: offset)
        do {
            let value: T
            if T.self == [Int].self {
                value = identityCast(try reader.readIntArray(), to: T.self)
            } else if T.self == [UInt8].self {
                value = identityCast(try reader.readByteArray(), to: T.self)
            } else if T.self == String.self {
                value = identityCast(try reader.readString(), to: T.self)
            } else if T.self == Int.self {
                value = identityCast(try reader.readInteger(Int.self), to: T.self)
            } else if T.self == Double.self {
                value = identityCast(try reader.readDouble(), to: T.self)
            } else if T.self == Bool.self {
                value = identityCast(try reader.readBool(), to: T.self)
            } else if T.self == [String].self {
                value = identityCast(try reader.readStringArray(), to: T.self)
            } else if T.self == [Double].self {
                value = identityCast(try reader.readDoubleArray(), to: T.self)
            } else if T.self == Data.self {
                value = identityCast(Data(try reader.readBinary()), to: T.self)
            } else if T.self == Date.self {
                let (seconds, nanoseconds) = try reader.readTimestamp()
                let date = Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1_000_000_000)
                value = identityCast(date, to: T.self)
            } else if T.self == MessagePackValue.self {
                let dynamic = try MessagePackValue.read(from: &reader, depthLeft: maximumDepth - depth)
                value = identityCast(dynamic, to: T.self)
            } else if let number = try reader.readOtherNumber(T.self) {
                value = number
            } else {
                return nil
            }
            return (value, reader.offset)
        } catch {
            throw annotate(error, at: codingPath)
        }
    }
}

/// Numbers of every width, for the decoder.
extension MessagePackReader {
    /// Reads the fixed-width numbers other than `Int` and `Double`, or returns `nil` when `T` is none of them.
    @inline(__always)
    mutating func readOtherNumber<T>(_: T.Type) throws(TractorError) -> T? {
        if T.self == Float.self { return identityCast(try readFloat(), to: T.self) }
        if T.self == Int64.self { return identityCast(try readInteger(Int64.self), to: T.self) }
        if T.self == Int32.self { return identityCast(try readInteger(Int32.self), to: T.self) }
        if T.self == Int16.self { return identityCast(try readInteger(Int16.self), to: T.self) }
        if T.self == Int8.self { return identityCast(try readInteger(Int8.self), to: T.self) }
        if T.self == UInt64.self { return identityCast(try readInteger(UInt64.self), to: T.self) }
        if T.self == UInt.self { return identityCast(try readInteger(UInt.self), to: T.self) }
        if T.self == UInt32.self { return identityCast(try readInteger(UInt32.self), to: T.self) }
        if T.self == UInt16.self { return identityCast(try readInteger(UInt16.self), to: T.self) }
        if T.self == UInt8.self { return identityCast(try readInteger(UInt8.self), to: T.self) }
        return nil
    }
}
