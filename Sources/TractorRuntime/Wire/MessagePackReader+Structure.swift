//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension MessagePackReader {
    /// Reads an array header and returns its element count.
    ///
    /// The count is checked against the bytes that remain (every element takes at least one), so a caller may
    /// allocate for it.
    @inline(__always)
    mutating func readArrayCount() throws(TractorError) -> Int {
        let start = offset
        let byte = try readByte()
        let count: Int
        switch byte {
        case 0x90...0x9f: count = Int(byte & 0x0f)
        case MessagePackFormat.array16: count = Int(try readBigEndian(UInt16.self, for: "an array16 count"))
        case MessagePackFormat.array32: count = Int(try readBigEndian(UInt32.self, for: "an array32 count"))
        default: throw mismatch(expected: "an array", found: byte, at: start)
        }
        return count <= remaining ? count : try tooMany(count, 1, start)
    }

    /// Reads a map header and returns its number of key-value pairs, checked like ``readArrayCount()``.
    @inline(__always)
    mutating func readMapCount() throws(TractorError) -> Int {
        let start = offset
        let byte = try readByte()
        let count: Int
        switch byte {
        case 0x80...0x8f: count = Int(byte & 0x0f)
        case MessagePackFormat.map16: count = Int(try readBigEndian(UInt16.self, for: "a map16 count"))
        case MessagePackFormat.map32: count = Int(try readBigEndian(UInt32.self, for: "a map32 count"))
        default: throw mismatch(expected: "a map", found: byte, at: start)
        }
        return 2 * count <= remaining ? count : try tooMany(count, 2, start)
    }

    private func tooMany(_ count: Int, _ perItem: Int, _ start: Int) throws(TractorError) -> Int {
        let what = perItem == 1 ? "an array of \(count) elements" : "a map of \(count) pairs"
        throw TractorError(
            .truncatedData,
            "\(what) at offset \(start) needs at least \(count * perItem) more bytes but only \(remaining) remain"
        )
    }

    /// Steps over one complete value of any kind, however deeply nested, without recursion.
    ///
    /// Nesting costs no stack here: the reader keeps a count of values still to skip, and every count it adds is
    /// checked against the bytes that remain.
    mutating func skipValue() throws(TractorError) {
        var pending = 1
        while pending > 0 {
            pending &-= 1
            let start = offset
            let byte = try readByte()
            var children = 0
            var length = 0
            switch byte {
            case 0x00...0x7f, 0xe0...0xff, MessagePackFormat.nil, MessagePackFormat.false, MessagePackFormat.true:
                continue
            case 0x80...0x8f: children = 2 * Int(byte & 0x0f)
            case 0x90...0x9f: children = Int(byte & 0x0f)
            case 0xa0...0xbf: length = Int(byte & 0x1f)
            case MessagePackFormat.reserved: throw mismatch(expected: "a value", found: byte, at: start)
            case MessagePackFormat.bin8, MessagePackFormat.str8:
                length = Int(try readBigEndian(UInt8.self, for: "a length"))
            case MessagePackFormat.bin16, MessagePackFormat.str16:
                length = Int(try readBigEndian(UInt16.self, for: "a length"))
            case MessagePackFormat.bin32, MessagePackFormat.str32:
                length = Int(try readBigEndian(UInt32.self, for: "a length"))
            case MessagePackFormat.ext8: length = 1 + Int(try readBigEndian(UInt8.self, for: "an ext8 length"))
            case MessagePackFormat.ext16: length = 1 + Int(try readBigEndian(UInt16.self, for: "an ext16 length"))
            case MessagePackFormat.ext32: length = 1 + Int(try readBigEndian(UInt32.self, for: "an ext32 length"))
            case MessagePackFormat.float32, MessagePackFormat.uint32, MessagePackFormat.int32: length = 4
            case MessagePackFormat.float64, MessagePackFormat.uint64, MessagePackFormat.int64: length = 8
            case MessagePackFormat.uint8, MessagePackFormat.int8: length = 1
            case MessagePackFormat.uint16, MessagePackFormat.int16: length = 2
            case MessagePackFormat.fixext1: length = 2
            case MessagePackFormat.fixext2: length = 3
            case MessagePackFormat.fixext4: length = 5
            case MessagePackFormat.fixext8: length = 9
            case MessagePackFormat.fixext16: length = 17
            case MessagePackFormat.array16: children = Int(try readBigEndian(UInt16.self, for: "an array16 count"))
            case MessagePackFormat.array32: children = Int(try readBigEndian(UInt32.self, for: "an array32 count"))
            case MessagePackFormat.map16: children = 2 * Int(try readBigEndian(UInt16.self, for: "a map16 count"))
            default: children = 2 * Int(try readBigEndian(UInt32.self, for: "a map32 count"))
            }
            if length > 0 {
                _ = try readSlice(length, for: "\(MessagePackFormat.kindName(of: byte)) of \(length) bytes")
            } else if children > 0 {
                // Every value still pending takes at least one of the remaining bytes.
                guard pending + children <= remaining else {
                    throw TractorError(
                        .truncatedData,
                        "\(MessagePackFormat.kindName(of: byte)) at offset \(start) announces \(children) values "
                            + "but only \(remaining) bytes remain"
                    )
                }
                pending += children
            }
        }
    }
}
