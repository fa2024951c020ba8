//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Bulk readers for the arrays the decoder recognises.
extension MessagePackReader {
    /// Reads an array of integers that each fit `Int`.
    ///
    /// The loop reads every integer form straight from memory; from the first element it cannot take (a truncated
    /// element, a value of another kind, a uint64 above `Int.max`) on, ``readInteger(_:)`` takes over and
    /// produces the precise error.
    mutating func readIntArray() throws(TractorError) -> [Int] {
        let count = try readArrayCount()
        guard count > 0 else {
            return []
        }
        let base = bytes.baseAddress!
        let limit = bytes.count
        var position = offset
        var stoppedAt = -1
        var values = [Int](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = buffer.baseAddress!
            var index = 0
            while index < count {
                guard position < limit else {
                    break
                }
                let byte = base.load(fromByteOffset: position, as: UInt8.self)
                let value: Int
                let size: Int
                switch byte {
                case 0x00...0x7f:
                    value = Int(byte)
                    size = 1
                case 0xe0...0xff:
                    value = Int(Int8(bitPattern: byte))
                    size = 1
                case MessagePackFormat.uint8 where limit &- position >= 2:
                    value = Int(base.load(fromByteOffset: position &+ 1, as: UInt8.self))
                    size = 2
                case MessagePackFormat.uint16 where limit &- position >= 3:
                    value = Int(UInt16(bigEndian: base.loadUnaligned(fromByteOffset: position &+ 1, as: UInt16.self)))
                    size = 3
                case MessagePackFormat.uint32 where limit &- position >= 5:
                    value = Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: position &+ 1, as: UInt32.self)))
                    size = 5
                case MessagePackFormat.int8 where limit &- position >= 2:
                    value = Int(base.load(fromByteOffset: position &+ 1, as: Int8.self))
                    size = 2
                case MessagePackFormat.int16 where limit &- position >= 3:
                    value = Int(Int16(bigEndian: base.loadUnaligned(fromByteOffset: position &+ 1, as: Int16.self)))
                    size = 3
                case MessagePackFormat.int32 where limit &- position >= 5:
                    value = Int(Int32(bigEndian: base.loadUnaligned(fromByteOffset: position &+ 1, as: Int32.self)))
                    size = 5
                case MessagePackFormat.uint64
                where limit &- position >= 9
                    && base.load(fromByteOffset: position &+ 1, as: UInt8.self) < 0x80:
                    value = Int(Int64(bigEndian: base.loadUnaligned(fromByteOffset: position &+ 1, as: Int64.self)))
                    size = 9
                case MessagePackFormat.int64 where limit &- position >= 9:
                    value = Int(Int64(bigEndian: base.loadUnaligned(fromByteOffset: position &+ 1, as: Int64.self)))
                    size = 9
                default:
                    stoppedAt = index
                    initialized = index
                    return
                }
                (output + index).initialize(to: value)
                position &+= size
                index &+= 1
            }
            initialized = index
            if index < count {
                stoppedAt = index
            }
        }
        offset = position
        if stoppedAt >= 0 {
            // The general reader takes over from the element the loop stopped at: it reads what the loop does not
            // (there is nothing else it could read as an Int) or throws the precise error.
            values.reserveCapacity(count)
            for _ in stoppedAt..<count {
                values.append(try readInteger(Int.self))
            }
        }
        return values
    }

    /// Reads binary data, or an array of integers that each fit a byte, as `[UInt8]`.
    mutating func readByteArray() throws(TractorError) -> [UInt8] {
        let byte = try peekByte()
        guard byte == 0xdc || byte == 0xdd || (byte >= 0x90 && byte <= 0x9f) else {
            return [UInt8](try readBinary())
        }
        let count = try readArrayCount()
        var values: [UInt8] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readInteger(UInt8.self))
        }
        return values
    }

    /// Reads an array of numbers as `[Double]`.
    mutating func readDoubleArray() throws(TractorError) -> [Double] {
        let count = try readArrayCount()
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readDouble())
        }
        return values
    }

    /// Reads an array of strings.
    mutating func readStringArray() throws(TractorError) -> [String] {
        let count = try readArrayCount()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readString())
        }
        return values
    }
}
