//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The keyed container of ``MessagePackDecoderImpl``: a map, indexed once by ``MessagePackMapIndex`` when the
/// container is made.
struct MessagePackKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: MessagePackDecoderImpl
    let depth: Int
    let codingPath: [any CodingKey]
    let index: MessagePackMapIndex

    /// The offset just after the map.
    var end: Int { index.end }

    init(decoder: MessagePackDecoderImpl, start: Int, depth: Int, codingPath: [any CodingKey]) throws {
        self.decoder = decoder
        self.depth = depth
        self.codingPath = codingPath
        do {
            try decoder.checkDepth(depth + 1, at: start)
            self.index = try MessagePackMapIndex(bytes: decoder.bytes, start: start)
        } catch {
            throw decoder.annotate(error, at: codingPath)
        }
        decoder.noteEnd(of: start, at: index.end)
    }

    var allKeys: [Key] {
        index.keys.compactMap { key in
            if let number = key.intValue, let codingKey = Key(intValue: number) {
                return codingKey
            }
            return Key(stringValue: key.name)
        }
    }

    func contains(_ key: Key) -> Bool {
        index.valueOffset(named: key.stringValue, intValue: key.intValue) != nil
    }

    private func valueOffset(for key: Key) throws -> Int {
        guard let offset = index.valueOffset(named: key.stringValue, intValue: key.intValue) else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "the map has no key \"\(key.stringValue)\"")
            )
        }
        return offset
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
        var end = 0
        return try decoder.decodeValue(T.self, at: try valueOffset(for: key), depth: depth + 1, key: key, end: &end)
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
        try makeSuperDecoder(MessagePackIndexKey.superKey, offset: index.valueOffset(named: "super", intValue: nil))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try makeSuperDecoder(key, offset: index.valueOffset(named: key.stringValue, intValue: key.intValue))
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
