//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The keys of one map and where each value starts, found in one pass when a keyed container is made.
///
/// Not generic, so that looking keys up costs no generic metadata. Keys may be strings or integers; a key is found
/// by comparing its UTF-8 bytes with each string entry's, and an integer entry matches a key whose `intValue` is
/// that number, or whose name is its decimal form.
struct MessagePackMapIndex {
    /// One key-value pair: the key's bytes (or integer) and where the value starts.
    struct Entry {
        var keyOffset: Int
        /// The key's length in bytes, or -1 for an integer key held in ``integerKey``.
        var keyLength: Int
        var integerKey: Int64
        var valueOffset: Int
    }

    let bytes: UnsafeRawBufferPointer
    private(set) var entries: [Entry] = []
    /// The offset just after the map.
    private(set) var end = 0

    /// Indexes the map at `start`, checking its keys and stepping over its values.
    init(bytes: UnsafeRawBufferPointer, start: Int) throws(TractorError) {
        self.bytes = bytes
        var reader = MessagePackReader(bytes, offset: start)
        let count = try reader.readMapCount()
        entries.reserveCapacity(MessagePackFormat.reservation(for: count))
        for _ in 0..<count {
            entries.append(try Self.readEntry(&reader))
        }
        end = reader.offset
    }

    private static func readEntry(_ reader: inout MessagePackReader) throws(TractorError) -> Entry {
        let keyStart = reader.offset
        let byte = try reader.peekByte()
        var entry = Entry(keyOffset: 0, keyLength: -1, integerKey: 0, valueOffset: 0)
        switch byte {
        case 0xa0...0xbf, MessagePackFormat.str8...MessagePackFormat.str32:
            let raw = try reader.readStringBytes()
            for byte in raw where byte >= 0x80 {
                _ = try MessagePackReader.makeString(raw, at: keyStart)
                break
            }
            entry.keyOffset = reader.offset - raw.count
            entry.keyLength = raw.count
        case 0x00...0x7f, 0xe0...0xff, MessagePackFormat.uint8...MessagePackFormat.int64:
            entry.integerKey = try reader.readInteger(Int64.self)
        default:
            throw reader.mismatch(expected: "a string or integer map key", found: byte, at: keyStart)
        }
        entry.valueOffset = reader.offset
        try reader.skipValue()
        return entry
    }

    /// Where the value of the key named `name` (or numbered `intValue`) starts, or `nil` when the map lacks it.
    func valueOffset(named name: String, intValue: Int?) -> Int? {
        var name = name
        let found: Int? = name.withUTF8 { utf8 in
            for entry in entries where entry.keyLength == utf8.count {
                var index = 0
                while index < utf8.count, bytes[entry.keyOffset &+ index] == utf8[index] {
                    index &+= 1
                }
                if index == utf8.count {
                    return entry.valueOffset
                }
            }
            return nil
        }
        if let found {
            return found
        }
        for entry in entries where entry.keyLength < 0 {
            if let intValue, Int64(intValue) == entry.integerKey {
                return entry.valueOffset
            }
            if name == String(entry.integerKey) {
                return entry.valueOffset
            }
        }
        return nil
    }

    /// Each key: its name, and its number for integer keys.
    var keys: [(name: String, intValue: Int?)] {
        entries.map { entry in
            if entry.keyLength < 0 {
                return (String(entry.integerKey), Int(exactly: entry.integerKey))
            }
            let raw = UnsafeRawBufferPointer(rebasing: bytes[entry.keyOffset..<(entry.keyOffset + entry.keyLength)])
            return (String(decoding: raw, as: UTF8.self), nil)
        }
    }
}
