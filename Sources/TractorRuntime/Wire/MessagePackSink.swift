//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Something the MessagePack forms can be written to: the encoder's ``MessagePackWriter``, or ``ByteArraySink``.
///
/// The extension methods choose the smallest form of every value, so both the Codable encoder and the hand-written
/// message layout produce the same bytes for the same value.
protocol MessagePackSink: AnyObject {
    /// Appends one byte.
    func writeByte(_ byte: UInt8)
    /// Appends the bytes.
    func writeBytes(_ bytes: UnsafeRawBufferPointer)
    /// Appends a header byte followed by `value` in big-endian order.
    func writeHeader<T: FixedWidthInteger>(_ byte: UInt8, bigEndian value: T)
}

extension MessagePackSink {
    @inline(__always)
    func writeNil() {
        writeByte(MessagePackFormat.nil)
    }

    @inline(__always)
    func writeBool(_ value: Bool) {
        writeByte(value ? MessagePackFormat.true : MessagePackFormat.false)
    }

    /// Writes a non-negative integer in the smallest form that holds it.
    @inline(__always)
    func writeUInt(_ value: UInt64) {
        if value < 0x80 {
            writeByte(UInt8(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt8.max) {
            writeHeader(MessagePackFormat.uint8, bigEndian: UInt8(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt16.max) {
            writeHeader(MessagePackFormat.uint16, bigEndian: UInt16(truncatingIfNeeded: value))
        } else if value <= UInt64(UInt32.max) {
            writeHeader(MessagePackFormat.uint32, bigEndian: UInt32(truncatingIfNeeded: value))
        } else {
            writeHeader(MessagePackFormat.uint64, bigEndian: value)
        }
    }

    /// Writes an integer in the smallest form that holds it.
    ///
    /// Non-negative values up to 2^32 - 1 use the unsigned forms (they are never larger); a value that needs
    /// 8 bytes uses int64, as an unsigned one would use uint64, so that its 64-bit type shows on the wire.
    @inline(__always)
    func writeInt(_ value: Int64) {
        if value >= 0 {
            if value <= Int64(UInt32.max) {
                writeUInt(UInt64(value))
            } else {
                writeHeader(MessagePackFormat.int64, bigEndian: value)
            }
        } else if value >= -32 {
            writeByte(UInt8(truncatingIfNeeded: value))
        } else if value >= Int64(Int8.min) {
            writeHeader(MessagePackFormat.int8, bigEndian: Int8(truncatingIfNeeded: value))
        } else if value >= Int64(Int16.min) {
            writeHeader(MessagePackFormat.int16, bigEndian: Int16(truncatingIfNeeded: value))
        } else if value >= Int64(Int32.min) {
            writeHeader(MessagePackFormat.int32, bigEndian: Int32(truncatingIfNeeded: value))
        } else {
            writeHeader(MessagePackFormat.int64, bigEndian: value)
        }
    }

    @inline(__always)
    func writeFloat(_ value: Float) {
        writeHeader(MessagePackFormat.float32, bigEndian: value.bitPattern)
    }

    @inline(__always)
    func writeDouble(_ value: Double) {
        writeHeader(MessagePackFormat.float64, bigEndian: value.bitPattern)
    }

    /// Writes a string header for `length` bytes of UTF-8.
    func writeStringHeader(length: Int) throws(TractorError) {
        if length < 32 {
            writeByte(MessagePackFormat.fixstr | UInt8(truncatingIfNeeded: length))
        } else if length <= Int(UInt8.max) {
            writeHeader(MessagePackFormat.str8, bigEndian: UInt8(truncatingIfNeeded: length))
        } else if length <= Int(UInt16.max) {
            writeHeader(MessagePackFormat.str16, bigEndian: UInt16(truncatingIfNeeded: length))
        } else {
            writeHeader(MessagePackFormat.str32, bigEndian: try Self.length32(length, of: "a string"))
        }
    }

    @inline(__always)
    func writeString(_ value: String) throws(TractorError) {
        var value = value
        try value.withUTF8 { utf8 in
            Result { () throws(TractorError) in
                try writeStringHeader(length: utf8.count)
                writeBytes(UnsafeRawBufferPointer(utf8))
            }
        }.get()
    }

    /// Writes a binary header for `length` bytes.
    func writeBinaryHeader(length: Int) throws(TractorError) {
        if length <= Int(UInt8.max) {
            writeHeader(MessagePackFormat.bin8, bigEndian: UInt8(truncatingIfNeeded: length))
        } else if length <= Int(UInt16.max) {
            writeHeader(MessagePackFormat.bin16, bigEndian: UInt16(truncatingIfNeeded: length))
        } else {
            writeHeader(MessagePackFormat.bin32, bigEndian: try Self.length32(length, of: "binary data"))
        }
    }

    func writeBinary(_ bytes: UnsafeRawBufferPointer) throws(TractorError) {
        try writeBinaryHeader(length: bytes.count)
        writeBytes(bytes)
    }

    func writeBinary(_ bytes: [UInt8]) throws(TractorError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(TractorError) in try writeBinary(raw) } }.get()
    }

    /// Writes an array header for `count` elements.
    @inline(__always)
    func writeArrayHeader(count: Int) throws(TractorError) {
        if count < 16 {
            writeByte(MessagePackFormat.fixarray | UInt8(truncatingIfNeeded: count))
        } else if count <= Int(UInt16.max) {
            writeHeader(MessagePackFormat.array16, bigEndian: UInt16(truncatingIfNeeded: count))
        } else {
            writeHeader(MessagePackFormat.array32, bigEndian: try Self.length32(count, of: "an array"))
        }
    }

    /// Writes a map header for `count` key-value pairs.
    @inline(__always)
    func writeMapHeader(count: Int) throws(TractorError) {
        if count < 16 {
            writeByte(MessagePackFormat.fixmap | UInt8(truncatingIfNeeded: count))
        } else if count <= Int(UInt16.max) {
            writeHeader(MessagePackFormat.map16, bigEndian: UInt16(truncatingIfNeeded: count))
        } else {
            writeHeader(MessagePackFormat.map32, bigEndian: try Self.length32(count, of: "a map"))
        }
    }

    /// Writes an extension value of `type` whose data is `data`, in the smallest form.
    func writeExtension(type: Int8, data: UnsafeRawBufferPointer) throws(TractorError) {
        let type = UInt8(bitPattern: type)
        switch data.count {
        case 1: writeHeader(MessagePackFormat.fixext1, bigEndian: type)
        case 2: writeHeader(MessagePackFormat.fixext2, bigEndian: type)
        case 4: writeHeader(MessagePackFormat.fixext4, bigEndian: type)
        case 8: writeHeader(MessagePackFormat.fixext8, bigEndian: type)
        case 16: writeHeader(MessagePackFormat.fixext16, bigEndian: type)
        case 0...Int(UInt8.max):
            writeHeader(MessagePackFormat.ext8, bigEndian: UInt8(truncatingIfNeeded: data.count))
            writeByte(type)
        case 0...Int(UInt16.max):
            writeHeader(MessagePackFormat.ext16, bigEndian: UInt16(truncatingIfNeeded: data.count))
            writeByte(type)
        default:
            writeHeader(MessagePackFormat.ext32, bigEndian: try Self.length32(data.count, of: "an extension value"))
            writeByte(type)
        }
        writeBytes(data)
    }

    /// Writes a timestamp (extension type -1) in the smallest of its 32-, 64- and 96-bit forms.
    ///
    /// - Throws: `TractorError.Code.encodingFailed` when `nanoseconds` is not below one billion.
    func writeTimestamp(seconds: Int64, nanoseconds: UInt32) throws(TractorError) {
        guard nanoseconds < 1_000_000_000 else {
            throw TractorError(
                .encodingFailed,
                "a timestamp's nanoseconds must be below 1_000_000_000, not \(nanoseconds)"
            )
        }
        let type = UInt8(bitPattern: MessagePackFormat.timestampType)
        if seconds >= 0 && seconds >> 34 == 0 {
            if nanoseconds == 0 && seconds <= Int64(UInt32.max) {
                writeByte(MessagePackFormat.fixext4)
                writeHeader(type, bigEndian: UInt32(truncatingIfNeeded: seconds))
            } else {
                writeByte(MessagePackFormat.fixext8)
                writeHeader(type, bigEndian: UInt64(nanoseconds) << 34 | UInt64(seconds))
            }
        } else {
            writeHeader(MessagePackFormat.ext8, bigEndian: UInt8(12))
            writeHeader(type, bigEndian: nanoseconds)
            withUnsafeBytes(of: seconds.bigEndian) { writeBytes($0) }
        }
    }

    static func length32(_ length: Int, of what: String) throws(TractorError) -> UInt32 {
        guard let length = UInt32(exactly: length) else {
            throw TractorError(
                .encodingFailed,
                "\(what) of \(length) elements or bytes exceeds the format's limit of 2^32 - 1"
            )
        }
        return length
    }
}
