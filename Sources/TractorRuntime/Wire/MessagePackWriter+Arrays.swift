//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

internal import FoundationEssentials

/// Bulk writers for the arrays the encoder recognises, and for the values with a format of their own.
extension MessagePackWriter {
    /// Writes `value` at `pointer` as ``MessagePackSink/writeInt(_:)`` does; returns the number of bytes (1...9).
    @inline(__always)
    static func storeInt(_ value: Int64, at pointer: UnsafeMutableRawPointer) -> Int {
        if value >= 0 {
            if value < 0x80 {
                pointer.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
                return 1
            }
            if value <= 0xff {
                pointer.storeBytes(of: MessagePackFormat.uint8, as: UInt8.self)
                pointer.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: 1, as: UInt8.self)
                return 2
            }
            if value <= 0xffff {
                pointer.storeBytes(of: MessagePackFormat.uint16, as: UInt8.self)
                pointer.storeBytes(of: UInt16(truncatingIfNeeded: value).bigEndian, toByteOffset: 1, as: UInt16.self)
                return 3
            }
            if value <= 0xffff_ffff {
                pointer.storeBytes(of: MessagePackFormat.uint32, as: UInt8.self)
                pointer.storeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian, toByteOffset: 1, as: UInt32.self)
                return 5
            }
            pointer.storeBytes(of: MessagePackFormat.int64, as: UInt8.self)
            pointer.storeBytes(of: UInt64(truncatingIfNeeded: value).bigEndian, toByteOffset: 1, as: UInt64.self)
            return 9
        }
        if value >= -32 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
            return 1
        }
        if value >= -0x80 {
            pointer.storeBytes(of: MessagePackFormat.int8, as: UInt8.self)
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: 1, as: UInt8.self)
            return 2
        }
        if value >= -0x8000 {
            pointer.storeBytes(of: MessagePackFormat.int16, as: UInt8.self)
            pointer.storeBytes(of: UInt16(truncatingIfNeeded: value).bigEndian, toByteOffset: 1, as: UInt16.self)
            return 3
        }
        if value >= -0x8000_0000 {
            pointer.storeBytes(of: MessagePackFormat.int32, as: UInt8.self)
            pointer.storeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian, toByteOffset: 1, as: UInt32.self)
            return 5
        }
        pointer.storeBytes(of: MessagePackFormat.int64, as: UInt8.self)
        pointer.storeBytes(of: UInt64(truncatingIfNeeded: value).bigEndian, toByteOffset: 1, as: UInt64.self)
        return 9
    }

    /// Writes an array of integers: its header, then each element in its smallest form.
    func writeIntArray(_ values: [Int]) throws(TractorError) {
        try writeArrayHeader(count: values.count)
        try withUnsafeSpace(values.count &* 9) { (space) throws(TractorError) in
            values.withUnsafeBufferPointer { elements in
                var written = 0
                for element in elements {
                    written &+= Self.storeInt(Int64(element), at: space + written)
                }
                return written
            }
        }
    }

    /// The bytes of an array of integers, written straight into the array returned (one allocation, no copy).
    static func makeIntArray(_ values: [Int]) throws(TractorError) -> [UInt8] {
        let count = values.count
        let count32 = try length32(count, of: "an array")
        return [UInt8](unsafeUninitializedCapacity: count &* 9 &+ 5) { buffer, initialized in
            let output = UnsafeMutableRawPointer(buffer.baseAddress!)
            var written: Int
            if count < 16 {
                output.storeBytes(of: MessagePackFormat.fixarray | UInt8(truncatingIfNeeded: count), as: UInt8.self)
                written = 1
            } else if count <= Int(UInt16.max) {
                output.storeBytes(of: MessagePackFormat.array16, as: UInt8.self)
                output.storeBytes(of: UInt16(truncatingIfNeeded: count).bigEndian, toByteOffset: 1, as: UInt16.self)
                written = 3
            } else {
                output.storeBytes(of: MessagePackFormat.array32, as: UInt8.self)
                output.storeBytes(of: count32.bigEndian, toByteOffset: 1, as: UInt32.self)
                written = 5
            }
            values.withUnsafeBufferPointer { elements in
                for element in elements {
                    written &+= storeInt(Int64(element), at: output + written)
                }
            }
            initialized = written
        }
    }

    /// Writes an array of doubles as float64 values.
    func writeDoubleArray(_ values: [Double]) throws(TractorError) {
        try writeArrayHeader(count: values.count)
        try withUnsafeSpace(values.count &* 9) { (space) throws(TractorError) in
            values.withUnsafeBufferPointer { elements in
                var written = 0
                for element in elements {
                    space.storeBytes(of: MessagePackFormat.float64, toByteOffset: written, as: UInt8.self)
                    space.storeBytes(of: element.bitPattern.bigEndian, toByteOffset: written &+ 1, as: UInt64.self)
                    written &+= 9
                }
                return written
            }
        }
    }

    /// Writes an array of strings.
    func writeStringArray(_ values: [String]) throws(TractorError) {
        try writeArrayHeader(count: values.count)
        for value in values {
            try writeString(value)
        }
    }

    /// Writes a date as a timestamp.
    ///
    /// - Throws: `encodingFailed` when the date is not finite or too far from 1970 for 64-bit seconds.
    func writeDate(_ date: Date) throws(TractorError) {
        let interval = date.timeIntervalSince1970
        var whole = interval.rounded(.down)
        var nanoseconds = ((interval - whole) * 1_000_000_000).rounded()
        if nanoseconds >= 1_000_000_000 {
            whole += 1
            nanoseconds -= 1_000_000_000
        }
        guard let seconds = Int64(exactly: whole), let nanos = UInt32(exactly: nanoseconds) else {
            throw TractorError(.encodingFailed, "the date \(interval) seconds from 1970 cannot be a timestamp")
        }
        try writeTimestamp(seconds: seconds, nanoseconds: nanos)
    }
}
