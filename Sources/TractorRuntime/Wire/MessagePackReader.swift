//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Reads MessagePack values from borrowed bytes, checking every length against what remains.
///
/// Every read either returns a value or throws a ``TractorError`` that names what was expected and the offset where
/// it went wrong: `truncatedData` when the bytes end early (or a length claims more bytes than remain),
/// `typeMismatch` when another kind of value is found, `valueOutOfRange` when a number does not fit, and
/// `malformedData` for the reserved byte 0xc1, invalid UTF-8 and invalid timestamps. Nothing here traps on input.
struct MessagePackReader {
    /// The bytes being read; they must stay valid while the reader is used.
    let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// The number of bytes not yet read.
    @inline(__always)
    var remaining: Int { bytes.count &- offset }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset >= bytes.count }

    // MARK: Raw access

    @inline(__always)
    func peekByte() throws(TractorError) -> UInt8 {
        guard offset < bytes.count else {
            throw truncated(needing: 1, for: "a value")
        }
        return bytes.load(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    mutating func readByte() throws(TractorError) -> UInt8 {
        let byte = try peekByte()
        offset &+= 1
        return byte
    }

    @inline(__always)
    mutating func readBigEndian<T: FixedWidthInteger>(
        _: T.Type,
        for what: @autoclosure () -> String
    ) throws(TractorError) -> T {
        guard remaining >= MemoryLayout<T>.size else {
            throw truncated(needing: MemoryLayout<T>.size, for: what())
        }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset &+= MemoryLayout<T>.size
        return T(bigEndian: value)
    }

    /// Reads `count` bytes without copying; the result borrows from ``bytes``.
    @inline(__always)
    mutating func readSlice(
        _ count: Int,
        for what: @autoclosure () -> String
    ) throws(TractorError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw truncated(needing: count, for: what())
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset &+ count)])
        offset &+= count
        return slice
    }

    // MARK: Errors

    func truncated(needing count: Int, for what: String) -> TractorError {
        TractorError(
            .truncatedData,
            "\(what) at offset \(offset) needs \(count) bytes but only \(max(remaining, 0)) remain"
        )
    }

    /// The error for finding `byte` at `offset` where `expected` should be.
    func mismatch(expected: String, found byte: UInt8, at offset: Int) -> TractorError {
        if byte == MessagePackFormat.reserved {
            return TractorError(.malformedData, "the reserved byte 0xc1 is not valid MessagePack (offset \(offset))")
        }
        return TractorError(
            .typeMismatch,
            "expected \(expected) at offset \(offset) but found \(MessagePackFormat.kindName(of: byte)) "
                + "(\(MessagePackFormat.hex(byte)))"
        )
    }

    // MARK: Scalars

    /// Consumes a nil and returns `true`, or leaves the reader alone and returns `false`.
    @inline(__always)
    mutating func readNilIfPresent() throws(TractorError) -> Bool {
        if try peekByte() == MessagePackFormat.nil {
            offset &+= 1
            return true
        }
        return false
    }

    mutating func readBool() throws(TractorError) -> Bool {
        let start = offset
        switch try readByte() {
        case MessagePackFormat.true: return true
        case MessagePackFormat.false: return false
        case let byte: throw mismatch(expected: "a boolean", found: byte, at: start)
        }
    }

    /// Reads any integer form and converts it to `T`.
    ///
    /// - Throws: `valueOutOfRange` when the value does not fit `T`; `typeMismatch` for a non-integer.
    @inline(__always)
    mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(TractorError) -> T {
        let start = offset
        let byte = try readByte()
        if byte < 0x80 {
            return T(truncatingIfNeeded: byte)
        }
        return try readIntegerSlowPath(T.self, byte: byte, start: start)
    }

    mutating func readIntegerSlowPath<T: FixedWidthInteger>(
        _: T.Type,
        byte: UInt8,
        start: Int
    ) throws(TractorError) -> T {
        switch byte {
        case 0xe0...0xff: return try fit(Int64(Int8(bitPattern: byte)), as: T.self, at: start)
        case MessagePackFormat.uint8:
            return try fit(UInt64(readBigEndian(UInt8.self, for: "a uint8")), as: T.self, at: start)
        case MessagePackFormat.uint16:
            return try fit(UInt64(readBigEndian(UInt16.self, for: "a uint16")), as: T.self, at: start)
        case MessagePackFormat.uint32:
            return try fit(UInt64(readBigEndian(UInt32.self, for: "a uint32")), as: T.self, at: start)
        case MessagePackFormat.uint64:
            return try fit(readBigEndian(UInt64.self, for: "a uint64"), as: T.self, at: start)
        case MessagePackFormat.int8:
            return try fit(Int64(readBigEndian(Int8.self, for: "an int8")), as: T.self, at: start)
        case MessagePackFormat.int16:
            return try fit(Int64(readBigEndian(Int16.self, for: "an int16")), as: T.self, at: start)
        case MessagePackFormat.int32:
            return try fit(Int64(readBigEndian(Int32.self, for: "an int32")), as: T.self, at: start)
        case MessagePackFormat.int64: return try fit(readBigEndian(Int64.self, for: "an int64"), as: T.self, at: start)
        default: throw mismatch(expected: "an integer", found: byte, at: start)
        }
    }

    private func fit<T: FixedWidthInteger, V: FixedWidthInteger>(
        _ value: V,
        as: T.Type,
        at start: Int
    ) throws(TractorError) -> T {
        guard let result = T(exactly: value) else {
            throw TractorError(.valueOutOfRange, "the integer \(value) at offset \(start) does not fit \(T.self)")
        }
        return result
    }

    /// Reads a float64, a float32 or an integer (rounded to the nearest `Double` when it has more than 53 bits).
    mutating func readDouble() throws(TractorError) -> Double {
        let start = offset
        let byte = try peekByte()
        switch byte {
        case MessagePackFormat.float64:
            offset &+= 1
            return Double(bitPattern: try readBigEndian(UInt64.self, for: "a float64"))
        case MessagePackFormat.float32:
            offset &+= 1
            return Double(Float(bitPattern: try readBigEndian(UInt32.self, for: "a float32")))
        case 0x00...0x7f, 0xe0...0xff, MessagePackFormat.int8...MessagePackFormat.int64:
            return Double(try readInteger(Int64.self))
        case MessagePackFormat.uint8...MessagePackFormat.uint64:
            return Double(try readInteger(UInt64.self))
        default:
            throw mismatch(expected: "a number", found: byte, at: start)
        }
    }

    /// Reads a float32, a float64 whose value a `Float` holds exactly (or NaN), or an integer a `Float` holds exactly.
    mutating func readFloat() throws(TractorError) -> Float {
        let start = offset
        if try peekByte() == MessagePackFormat.float32 {
            offset &+= 1
            return Float(bitPattern: try readBigEndian(UInt32.self, for: "a float32"))
        }
        let value = try readDouble()
        if value.isNaN {
            return Float(value)
        }
        guard let exact = Float(exactly: value) else {
            throw TractorError(.valueOutOfRange, "the number \(value) at offset \(start) is not exactly a Float")
        }
        return exact
    }

    // MARK: Strings, binary, extensions

    /// Reads a string header and returns its UTF-8 bytes, not yet validated.
    @inline(__always)
    mutating func readStringBytes() throws(TractorError) -> UnsafeRawBufferPointer {
        let start = offset
        let byte = try readByte()
        let length: Int
        switch byte {
        case 0xa0...0xbf: length = Int(byte & 0x1f)
        case MessagePackFormat.str8: length = Int(try readBigEndian(UInt8.self, for: "a str8 length"))
        case MessagePackFormat.str16: length = Int(try readBigEndian(UInt16.self, for: "a str16 length"))
        case MessagePackFormat.str32: length = Int(try readBigEndian(UInt32.self, for: "a str32 length"))
        default: throw mismatch(expected: "a string", found: byte, at: start)
        }
        return try readSlice(length, for: "a string of \(length) bytes")
    }

    /// Reads a string, validating its UTF-8.
    @inline(__always)
    mutating func readString() throws(TractorError) -> String {
        let start = offset
        let raw = try readStringBytes()
        return try Self.makeString(raw, at: start)
    }

    /// Makes a `String` of UTF-8 bytes, or throws `malformedData` naming `offset` when they are not valid UTF-8.
    static func makeString(_ raw: UnsafeRawBufferPointer, at offset: Int) throws(TractorError) -> String {
        let utf8 = raw.assumingMemoryBound(to: UInt8.self)
        // Decoding from contiguous UTF-8 is the fast path of `String`; it replaces invalid sequences with U+FFFD,
        // so the input was valid exactly when the result holds the same bytes (ASCII is always valid).
        var string = String(decoding: utf8, as: UTF8.self)
        if utf8.contains(where: { $0 >= 0x80 }) {
            let unchanged = string.withUTF8 { decoded in decoded.elementsEqual(utf8) }
            guard unchanged else {
                throw TractorError(.malformedData, "the string at offset \(offset) is not valid UTF-8")
            }
        }
        return string
    }

    /// Reads binary data and returns its bytes without copying.
    mutating func readBinary() throws(TractorError) -> UnsafeRawBufferPointer {
        let start = offset
        let byte = try readByte()
        let length: Int
        switch byte {
        case MessagePackFormat.bin8: length = Int(try readBigEndian(UInt8.self, for: "a bin8 length"))
        case MessagePackFormat.bin16: length = Int(try readBigEndian(UInt16.self, for: "a bin16 length"))
        case MessagePackFormat.bin32: length = Int(try readBigEndian(UInt32.self, for: "a bin32 length"))
        default: throw mismatch(expected: "binary data", found: byte, at: start)
        }
        return try readSlice(length, for: "binary data of \(length) bytes")
    }

    /// Reads an extension value: its type and its data, without copying.
    mutating func readExtension() throws(TractorError) -> (type: Int8, data: UnsafeRawBufferPointer) {
        let start = offset
        let byte = try readByte()
        let length: Int
        switch byte {
        case MessagePackFormat.fixext1: length = 1
        case MessagePackFormat.fixext2: length = 2
        case MessagePackFormat.fixext4: length = 4
        case MessagePackFormat.fixext8: length = 8
        case MessagePackFormat.fixext16: length = 16
        case MessagePackFormat.ext8: length = Int(try readBigEndian(UInt8.self, for: "an ext8 length"))
        case MessagePackFormat.ext16: length = Int(try readBigEndian(UInt16.self, for: "an ext16 length"))
        case MessagePackFormat.ext32: length = Int(try readBigEndian(UInt32.self, for: "an ext32 length"))
        default: throw mismatch(expected: "an extension value", found: byte, at: start)
        }
        let type = Int8(bitPattern: try readByte())
        return (type, try readSlice(length, for: "extension data of \(length) bytes"))
    }

    /// Reads a timestamp (extension type -1) in any of its three forms.
    mutating func readTimestamp() throws(TractorError) -> (seconds: Int64, nanoseconds: UInt32) {
        let start = offset
        let byte = try peekByte()
        let (type, data) = try readExtension()
        guard type == MessagePackFormat.timestampType else {
            throw mismatch(expected: "a timestamp", found: byte, at: start)
        }
        return try Self.timestamp(from: data, at: start)
    }

    /// Decodes the data of a timestamp extension value that starts at `start`.
    static func timestamp(from data: UnsafeRawBufferPointer, at start: Int) throws(TractorError) -> (Int64, UInt32) {
        let seconds: Int64
        let nanoseconds: UInt32
        switch data.count {
        case 4:
            seconds = Int64(UInt32(bigEndian: data.loadUnaligned(as: UInt32.self)))
            nanoseconds = 0
        case 8:
            let packed = UInt64(bigEndian: data.loadUnaligned(as: UInt64.self))
            seconds = Int64(packed & 0x3_ffff_ffff)
            nanoseconds = UInt32(truncatingIfNeeded: packed >> 34)
        case 12:
            nanoseconds = UInt32(bigEndian: data.loadUnaligned(as: UInt32.self))
            seconds = Int64(bigEndian: data.loadUnaligned(fromByteOffset: 4, as: Int64.self))
        default:
            throw TractorError(
                .malformedData,
                "the timestamp at offset \(start) has \(data.count) bytes, not 4, 8 or 12"
            )
        }
        guard nanoseconds < 1_000_000_000 else {
            throw TractorError(.malformedData, "the timestamp at offset \(start) has \(nanoseconds) nanoseconds")
        }
        return (seconds, nanoseconds)
    }
}
