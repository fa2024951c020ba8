//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The keyed container of ``MessagePackDecoderImpl``: a map, indexed once when the container is made.
///
/// Keys may be strings or integers. A key is looked up by comparing its UTF-8 bytes with each entry's; an integer
/// entry matches a key whose `intValue` is that number, or whose name is its decimal form.
struct MessagePackKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// One key-value pair: the key's bytes (or integer) and where the value starts.
    struct Entry {
        var keyOffset: Int
        /// The key's length in bytes, or -1 for an integer key held in ``integerKey``.
        var keyLength: Int
        var integerKey: Int64
        var valueOffset: Int
    }

    let decoder: MessagePackDecoderImpl
    let depth: Int
    let codingPath: [any CodingKey]
    let entries: [Entry]
    /// The offset just after the map.
    let end: Int

    init(decoder: MessagePackDecoderImpl, start: Int, depth: Int, codingPath: [any CodingKey]) throws {
        self.decoder = decoder
        self.depth = depth
        self.codingPath = codingPath
        var reader = decoder.reader(at: start)
        var entries: [Entry] = []
        do {
            try decoder.checkDepth(depth + 1, at: start)
            let count = try reader.readMapCount()
            entries.reserveCapacity(count)
            for _ in 0..<count {
                entries.append(try Self.readEntry(&reader))
            }
        } catch {
            throw decoder.annotate(error, at: codingPath)
        }
        self.entries = entries
        self.end = reader.offset
        decoder.noteEnd(of: start, at: reader.offset)
    }

    private static func readEntry(_ reader: inout MessagePackReader) throws(TractorError) -> Entry {
        let keyStart = reader.offset
        let byte = try reader.peekByte()
        var entry = Entry(keyOffset: 0, keyLength: -1, integerKey: 0, valueOffset: 0)
        switch byte {
        case 0xa0...0xbf, MessagePackFormat.str8...MessagePackFormat.str32:
            let raw = try reader.readStringBytes()
            try Self.validateUTF8(raw, at: keyStart)
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

    private static func validateUTF8(_ raw: UnsafeRawBufferPointer, at offset: Int) throws(TractorError) {
        for byte in raw where byte >= 0x80 {
            _ = try MessagePackReader.makeString(raw, at: offset)
            return
        }
    }

    // MARK: Keys

    @inline(__always)
    private func entry(for key: Key) -> Entry? {
        entry(named: key.stringValue, intValue: key.intValue)
    }

    private func entry(named name: String, intValue: Int?) -> Entry? {
        var name = name
        let bytes = decoder.bytes
        let found: Entry? = name.withUTF8 { utf8 in
            for entry in entries where entry.keyLength == utf8.count {
                var index = 0
                while index < utf8.count, bytes[entry.keyOffset &+ index] == utf8[index] {
                    index &+= 1
                }
                if index == utf8.count {
                    return entry
                }
            }
            return nil
        }
        if let found {
            return found
        }
        for entry in entries where entry.keyLength < 0 {
            if let intValue, Int64(intValue) == entry.integerKey {
                return entry
            }
            if name == String(entry.integerKey) {
                return entry
            }
        }
        return nil
    }

    private func name(of entry: Entry) -> String {
        if entry.keyLength < 0 {
            return String(entry.integerKey)
        }
        let raw = UnsafeRawBufferPointer(rebasing: decoder.bytes[entry.keyOffset..<(entry.keyOffset + entry.keyLength)])
        return String(decoding: raw, as: UTF8.self)
    }

    var allKeys: [Key] {
        entries.compactMap { entry in
            if entry.keyLength < 0, let key = Key(intValue: Int(truncatingIfNeeded: entry.integerKey)) {
                return key
            }
            return Key(stringValue: name(of: entry))
        }
    }

    func contains(_ key: Key) -> Bool {
        entry(for: key) != nil
    }

    private func valueOffset(for key: Key) throws -> Int {
        guard let entry = entry(for: key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "the map has no key \"\(key.stringValue)\"")
            )
        }
        return entry.valueOffset
    }

    @inline(__always)
    private func read<V>(_ key: Key, _ body: (inout MessagePackReader) throws(TractorError) -> V) throws -> V {
        var reader = decoder.reader(at: try valueOffset(for: key))
        do {
            return try body(&reader)
        } catch {
            throw decoder.annotate(error, at: codingPath + [key])
        }
    }

    // MARK: Values

    func decodeNil(forKey key: Key) throws -> Bool {
        try read(key) { (reader) throws(TractorError) in try reader.readNilIfPresent() }
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try read(key) { (reader) throws(TractorError) in try reader.readBool() }
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try read(key) { (reader) throws(TractorError) in try reader.readString() }
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try read(key) { (reader) throws(TractorError) in try reader.readDouble() }
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try read(key) { (reader) throws(TractorError) in try reader.readFloat() }
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    @inline(__always)
    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try read(key) { (reader) throws(TractorError) in try reader.readInteger(T.self) }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeValue(T.self, at: try valueOffset(for: key), depth: depth + 1, key: key).0
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(
            try MessagePackKeyedDecodingContainer<NestedKey>(
                decoder: decoder,
                start: try valueOffset(for: key),
                depth: depth + 1,
                codingPath: codingPath + [key]
            )
        )
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try MessagePackUnkeyedDecodingContainer(
            decoder: decoder,
            start: try valueOffset(for: key),
            depth: depth + 1,
            codingPath: codingPath + [key]
        )
    }

    func superDecoder() throws -> any Decoder {
        try makeSuperDecoder(MessagePackIndexKey.superKey, offset: entry(named: "super", intValue: nil)?.valueOffset)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try makeSuperDecoder(key, offset: entry(for: key)?.valueOffset)
    }

    private func makeSuperDecoder(_ key: any CodingKey, offset: Int?) throws -> any Decoder {
        guard let offset else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "the map has no key \"\(key.stringValue)\"")
            )
        }
        return MessagePackDecoderImpl(
            bytes: decoder.bytes,
            userInfo: decoder.sendableUserInfo,
            maximumDepth: decoder.maximumDepth,
            at: offset,
            depth: depth + 1,
            codingPath: codingPath + [key]
        )
    }
}
