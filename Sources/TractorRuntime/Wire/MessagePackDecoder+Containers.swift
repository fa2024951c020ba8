//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The unkeyed container of ``MessagePackDecoderImpl``: an array, read front to back.
struct MessagePackUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: MessagePackDecoderImpl
    let depth: Int
    let codingPath: [any CodingKey]
    let start: Int
    let count: Int?
    private(set) var currentIndex = 0
    /// The offset of the next element.
    private var offset: Int

    init(decoder: MessagePackDecoderImpl, start: Int, depth: Int, codingPath: [any CodingKey]) throws {
        self.decoder = decoder
        self.depth = depth
        self.codingPath = codingPath
        self.start = start
        var reader = decoder.reader(at: start)
        do {
            try decoder.checkDepth(depth + 1, at: start)
            self.count = try reader.readArrayCount()
        } catch {
            throw decoder.annotate(error, at: codingPath)
        }
        self.offset = reader.offset
        if count == 0 {
            decoder.noteEnd(of: start, at: offset)
        }
    }

    var isAtEnd: Bool { currentIndex >= count ?? 0 }

    private var indexKey: MessagePackIndexKey { MessagePackIndexKey(index: currentIndex) }

    /// Moves past the element just read, which ended at `end`.
    @inline(__always)
    private mutating func advance(to end: Int) {
        offset = end
        currentIndex &+= 1
        if currentIndex == count {
            decoder.noteEnd(of: start, at: end)
        }
    }

    private func checkNotAtEnd(_ type: Any.Type) throws {
        if isAtEnd {
            throw DecodingError.valueNotFound(
                type,
                .init(
                    codingPath: codingPath + [indexKey],
                    debugDescription: "the array has only \(count ?? 0) elements"
                )
            )
        }
    }

    @inline(__always)
    private mutating func read<V>(_ body: (inout MessagePackReader) throws(TractorError) -> V) throws -> V {
        try checkNotAtEnd(V.self)
        var reader = decoder.reader(at: offset)
        do {
            let value = try body(&reader)
            advance(to: reader.offset)
            return value
        } catch {
            throw decoder.annotate(error, at: codingPath + [indexKey])
        }
    }

    mutating func decodeNil() throws -> Bool {
        try checkNotAtEnd(Never.self)
        var reader = decoder.reader(at: offset)
        if try reader.readNilIfPresent() {
            advance(to: reader.offset)
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        try read { (reader) throws(TractorError) in try reader.readBool() }
    }

    mutating func decode(_ type: String.Type) throws -> String {
        try read { (reader) throws(TractorError) in try reader.readString() }
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        try read { (reader) throws(TractorError) in try reader.readDouble() }
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        try read { (reader) throws(TractorError) in try reader.readFloat() }
    }

    mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    @inline(__always)
    private mutating func integer<T: FixedWidthInteger>() throws -> T {
        try read { (reader) throws(TractorError) in try reader.readInteger(T.self) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try checkNotAtEnd(T.self)
        var end = 0
        let value = try decoder.decodeValue(T.self, at: offset, depth: depth + 1, key: indexKey, end: &end)
        advance(to: end)
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try checkNotAtEnd(KeyedDecodingContainer<NestedKey>.self)
        let container = try MessagePackKeyedDecodingContainer<NestedKey>(
            decoder: decoder,
            start: offset,
            depth: depth + 1,
            codingPath: codingPath + [indexKey]
        )
        advance(to: container.end)
        return KeyedDecodingContainer(container)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try checkNotAtEnd((any UnkeyedDecodingContainer).self)
        let container = try MessagePackUnkeyedDecodingContainer(
            decoder: decoder,
            start: offset,
            depth: depth + 1,
            codingPath: codingPath + [indexKey]
        )
        try skipElement()
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        try checkNotAtEnd((any Decoder).self)
        let superDecoder = MessagePackDecoderImpl(
            bytes: decoder.bytes,
            userInfo: decoder.sendableUserInfo,
            maximumDepth: decoder.maximumDepth,
            at: offset,
            depth: depth + 1,
            codingPath: codingPath + [indexKey]
        )
        try skipElement()
        return superDecoder
    }

    private mutating func skipElement() throws {
        var reader = decoder.reader(at: offset)
        do {
            try reader.skipValue()
        } catch {
            throw decoder.annotate(error, at: codingPath + [indexKey])
        }
        advance(to: reader.offset)
    }
}

/// The single-value container of ``MessagePackDecoderImpl``: the value where the current value starts.
struct MessagePackSingleValueDecodingContainer: SingleValueDecodingContainer {
    let decoder: MessagePackDecoderImpl
    let start: Int
    let depth: Int
    let codingPath: [any CodingKey]

    @inline(__always)
    private func read<V>(_ body: (inout MessagePackReader) throws(TractorError) -> V) throws -> V {
        var reader = decoder.reader(at: start)
        do {
            let value = try body(&reader)
            decoder.noteEnd(of: start, at: reader.offset)
            return value
        } catch {
            throw decoder.annotate(error, at: codingPath)
        }
    }

    func decodeNil() -> Bool {
        var reader = decoder.reader(at: start)
        guard (try? reader.readNilIfPresent()) == true else {
            return false
        }
        decoder.noteEnd(of: start, at: reader.offset)
        return true
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        try read { (reader) throws(TractorError) in try reader.readBool() }
    }
    func decode(_ type: String.Type) throws -> String {
        try read { (reader) throws(TractorError) in try reader.readString() }
    }
    func decode(_ type: Double.Type) throws -> Double {
        try read { (reader) throws(TractorError) in try reader.readDouble() }
    }
    func decode(_ type: Float.Type) throws -> Float {
        try read { (reader) throws(TractorError) in try reader.readFloat() }
    }
    func decode(_ type: Int.Type) throws -> Int { try integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    @inline(__always)
    private func integer<T: FixedWidthInteger>() throws -> T {
        try read { (reader) throws(TractorError) in try reader.readInteger(T.self) }
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        var end = 0
        let value = try decoder.decodeValue(T.self, at: start, depth: depth, end: &end)
        decoder.noteEnd(of: start, at: end)
        return value
    }
}
