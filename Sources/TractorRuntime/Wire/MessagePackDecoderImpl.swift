//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

internal import FoundationEssentials

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
    // The decoder is used by one thread at a time and never lends these properties out, so their run-time
    // exclusivity checks are switched off.
    @exclusivity(unchecked) var codingPath: [any CodingKey] = []

    /// The offset where the value being decoded starts.
    @exclusivity(unchecked) private(set) var valueStart = 0
    /// How many arrays and maps enclose the value being decoded.
    @exclusivity(unchecked) private(set) var valueDepth = 0
    /// The offset just after the value being decoded, or -1 while unknown.
    @exclusivity(unchecked) private var valueEnd = -1

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

    /// Decodes the value at `offset`, nested `depth` deep, and sets `end` to the offset just after it.
    func decodeValue<T: Decodable>(_ type: T.Type, at offset: Int, depth: Int, end: inout Int) throws -> T {
        if let kind = MessagePackDirectType.of(T.self) {
            do {
                return try decodeDirectly(T.self, as: kind, at: offset, depth: depth, end: &end)
            } catch {
                throw annotate(error, at: codingPath)
            }
        }
        return try decodeThroughConformance(T.self, at: offset, depth: depth, end: &end)
    }

    /// Decodes the value at `offset` as the element `key` of the current coding path.
    @inline(__always)
    func decodeValue<T: Decodable>(
        _ type: T.Type,
        at offset: Int,
        depth: Int,
        key: @autoclosure () -> any CodingKey,
        end: inout Int
    ) throws -> T {
        if let kind = MessagePackDirectType.of(T.self) {
            do {
                return try decodeDirectly(T.self, as: kind, at: offset, depth: depth, end: &end)
            } catch {
                throw annotate(error, at: codingPath + [key()])
            }
        }
        codingPath.append(key())
        defer { codingPath.removeLast() }
        return try decodeThroughConformance(T.self, at: offset, depth: depth, end: &end)
    }

    private func decodeThroughConformance<T: Decodable>(
        _ type: T.Type,
        at offset: Int,
        depth: Int,
        end: inout Int
    ) throws -> T {
        try checkDepth(depth, at: offset)
        let saved = (valueStart, valueDepth, valueEnd)
        valueStart = offset
        valueDepth = depth
        valueEnd = -1
        defer { (valueStart, valueDepth, valueEnd) = saved }
        let value = try T(from: self)
        if valueEnd >= 0 {
            end = valueEnd
        } else {
            var reader = reader(at: offset)
            try reader.skipValue()
            end = reader.offset
        }
        return value
    }

    /// Reads the value being decoded as a ``MessagePackValue``.
    func decodeDynamicValue() throws(TractorError) -> MessagePackValue {
        var reader = reader(at: valueStart)
        let value = try MessagePackValue.read(from: &reader, depthLeft: maximumDepth - valueDepth)
        valueEnd = reader.offset
        return value
    }

    /// Reads the types this format represents natively, and the arrays it reads in bulk.
    private func decodeDirectly<T: Decodable>(
        _ type: T.Type,
        as kind: MessagePackDirectType,
        at offset: Int,
        depth: Int,
        end: inout Int
    ) throws(TractorError) -> T {
        var reader = reader(at: offset)
        let value: T = try Self.readDirectly(T.self, as: kind, from: &reader, depthLeft: maximumDepth - depth)
        end = reader.offset
        return value
    }

    /// Reads a value of a type this format represents natively from `reader`, with no decoder object: the fast path
    /// of a top-level scalar, string or array (a stream element, a job's input or output).
    @inline(__always)
    static func readDirectly<T: Decodable>(
        _ type: T.Type,
        as kind: MessagePackDirectType,
        from reader: inout MessagePackReader,
        depthLeft: Int
    ) throws(TractorError) -> T {
        let value: T
        switch kind {
        case .intArray: value = identityCast(try reader.readIntArray(), to: T.self)
        case .byteArray: value = identityCast(try reader.readByteArray(), to: T.self)
        case .stringArray: value = identityCast(try reader.readStringArray(), to: T.self)
        case .doubleArray: value = identityCast(try reader.readDoubleArray(), to: T.self)
        case .string: value = identityCast(try reader.readString(), to: T.self)
        case .int: value = identityCast(try reader.readInteger(Int.self), to: T.self)
        case .double: value = identityCast(try reader.readDouble(), to: T.self)
        case .bool: value = identityCast(try reader.readBool(), to: T.self)
        case .data: value = identityCast(Data(try reader.readBinary()), to: T.self)
        case .date:
            let (seconds, nanoseconds) = try reader.readTimestamp()
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1_000_000_000)
            value = identityCast(date, to: T.self)
        case .value:
            let dynamic = try MessagePackValue.read(from: &reader, depthLeft: depthLeft)
            value = identityCast(dynamic, to: T.self)
        case .float: value = identityCast(try reader.readFloat(), to: T.self)
        case .int8: value = identityCast(try reader.readInteger(Int8.self), to: T.self)
        case .int16: value = identityCast(try reader.readInteger(Int16.self), to: T.self)
        case .int32: value = identityCast(try reader.readInteger(Int32.self), to: T.self)
        case .int64: value = identityCast(try reader.readInteger(Int64.self), to: T.self)
        case .uint: value = identityCast(try reader.readInteger(UInt.self), to: T.self)
        case .uint8: value = identityCast(try reader.readInteger(UInt8.self), to: T.self)
        case .uint16: value = identityCast(try reader.readInteger(UInt16.self), to: T.self)
        case .uint32: value = identityCast(try reader.readInteger(UInt32.self), to: T.self)
        case .uint64: value = identityCast(try reader.readInteger(UInt64.self), to: T.self)
        }
        return value
    }
}
