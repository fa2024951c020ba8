//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The keyed container of ``MessagePackEncoderImpl``: a map with string keys.
///
/// `encodeIfPresent` writes nil for a `nil` value rather than leaving the key out, so that every field is present
/// on the wire.
struct MessagePackKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: MessagePackEncoderImpl
    let writer: MessagePackWriter
    let slot: Int
    let id: Int
    let codingPath: [any CodingKey]

    init(encoder: MessagePackEncoderImpl, slot: Int, id: Int, codingPath: [any CodingKey]) {
        self.encoder = encoder
        self.writer = encoder.writer
        self.slot = slot
        self.id = id
        self.codingPath = codingPath
    }

    @inline(__always)
    private func beginPair(_ key: Key) throws(TractorError) {
        try encoder.beginElement(slot: slot, id: id)
        try writer.writeString(key.stringValue)
    }

    @inline(__always)
    private func endPair() {
        encoder.endElement(slot: slot)
    }

    mutating func encodeNil(forKey key: Key) throws {
        try beginPair(key)
        writer.writeNil()
        endPair()
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try beginPair(key)
        writer.writeBool(value)
        endPair()
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try beginPair(key)
        try writer.writeString(value)
        endPair()
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try beginPair(key)
        writer.writeDouble(value)
        endPair()
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        try beginPair(key)
        writer.writeFloat(value)
        endPair()
    }

    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeSigned(Int64(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeSigned(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeUnsigned(UInt64(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeUnsigned(value, key) }

    @inline(__always)
    private func encodeSigned(_ value: Int64, _ key: Key) throws(TractorError) {
        try beginPair(key)
        writer.writeInt(value)
        endPair()
    }

    @inline(__always)
    private func encodeUnsigned(_ value: UInt64, _ key: Key) throws(TractorError) {
        try beginPair(key)
        writer.writeUInt(value)
        endPair()
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try beginPair(key)
        try encoder.encodeValue(value, at: key)
        endPair()
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        try encodeOptional(value, key)
    }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else {
            try encodeNil(forKey: key)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let (slot, id) = openNested(key, isMap: true)
        return KeyedEncodingContainer(
            MessagePackKeyedEncodingContainer<NestedKey>(
                encoder: encoder,
                slot: slot,
                id: id,
                codingPath: codingPath + [key]
            )
        )
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let (slot, id) = openNested(key, isMap: false)
        return MessagePackUnkeyedEncodingContainer(encoder: encoder, slot: slot, id: id, codingPath: codingPath + [key])
    }

    /// Writes `key` and opens a container as its value. A misuse is recorded and reported when encoding ends.
    private func openNested(_ key: Key, isMap: Bool) -> (slot: Int, id: Int) {
        do {
            try beginPair(key)
        } catch {
            encoder.deferredError = encoder.deferredError ?? error
            return (-1, -1)
        }
        endPair()
        return encoder.openContainer(isMap: isMap)
    }

    mutating func superEncoder() -> any Encoder {
        makeSuperEncoder(keyName: "super", key: MessagePackIndexKey.superKey)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        makeSuperEncoder(keyName: key.stringValue, key: key)
    }

    private func makeSuperEncoder(keyName: String, key: any CodingKey) -> any Encoder {
        let child = MessagePackEncoderImpl(
            writer: MessagePackWriter(),
            codingPath: codingPath + [key],
            userInfo: encoder.sendableUserInfo
        )
        do {
            try encoder.beginElement(slot: slot, id: id)
            try writer.writeString(keyName)
        } catch {
            encoder.deferredError = encoder.deferredError ?? error
            return child
        }
        encoder.addSplice(slot: slot, encoder: child)
        endPair()
        return child
    }
}

/// The unkeyed container of ``MessagePackEncoderImpl``: an array.
struct MessagePackUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: MessagePackEncoderImpl
    let writer: MessagePackWriter
    let slot: Int
    let id: Int
    let codingPath: [any CodingKey]

    init(encoder: MessagePackEncoderImpl, slot: Int, id: Int, codingPath: [any CodingKey]) {
        self.encoder = encoder
        self.writer = encoder.writer
        self.slot = slot
        self.id = id
        self.codingPath = codingPath
    }

    var count: Int {
        slot >= 0 && slot < encoder.open.count && encoder.open[slot].id == id ? encoder.open[slot].count : 0
    }

    @inline(__always)
    private func element(_ body: () throws -> Void) throws {
        try encoder.beginElement(slot: slot, id: id)
        try body()
        encoder.endElement(slot: slot)
    }

    mutating func encodeNil() throws { try element { writer.writeNil() } }
    mutating func encode(_ value: Bool) throws { try element { writer.writeBool(value) } }
    mutating func encode(_ value: String) throws { try element { try writer.writeString(value) } }
    mutating func encode(_ value: Double) throws { try element { writer.writeDouble(value) } }
    mutating func encode(_ value: Float) throws { try element { writer.writeFloat(value) } }
    mutating func encode(_ value: Int) throws { try element { writer.writeInt(Int64(value)) } }
    mutating func encode(_ value: Int8) throws { try element { writer.writeInt(Int64(value)) } }
    mutating func encode(_ value: Int16) throws { try element { writer.writeInt(Int64(value)) } }
    mutating func encode(_ value: Int32) throws { try element { writer.writeInt(Int64(value)) } }
    mutating func encode(_ value: Int64) throws { try element { writer.writeInt(value) } }
    mutating func encode(_ value: UInt) throws { try element { writer.writeUInt(UInt64(value)) } }
    mutating func encode(_ value: UInt8) throws { try element { writer.writeUInt(UInt64(value)) } }
    mutating func encode(_ value: UInt16) throws { try element { writer.writeUInt(UInt64(value)) } }
    mutating func encode(_ value: UInt32) throws { try element { writer.writeUInt(UInt64(value)) } }
    mutating func encode(_ value: UInt64) throws { try element { writer.writeUInt(value) } }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try element { try encoder.encodeValue(value, at: MessagePackIndexKey(index: index)) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [MessagePackIndexKey(index: count)]
        let (slot, id) = openNested(isMap: true)
        return KeyedEncodingContainer(
            MessagePackKeyedEncodingContainer<NestedKey>(encoder: encoder, slot: slot, id: id, codingPath: path)
        )
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [MessagePackIndexKey(index: count)]
        let (slot, id) = openNested(isMap: false)
        return MessagePackUnkeyedEncodingContainer(encoder: encoder, slot: slot, id: id, codingPath: path)
    }

    private func openNested(isMap: Bool) -> (slot: Int, id: Int) {
        do {
            try encoder.beginElement(slot: slot, id: id)
        } catch {
            encoder.deferredError = encoder.deferredError ?? error
            return (-1, -1)
        }
        encoder.endElement(slot: slot)
        return encoder.openContainer(isMap: isMap)
    }

    mutating func superEncoder() -> any Encoder {
        let child = MessagePackEncoderImpl(
            writer: MessagePackWriter(),
            codingPath: codingPath + [MessagePackIndexKey(index: count)],
            userInfo: encoder.sendableUserInfo
        )
        do {
            try encoder.beginElement(slot: slot, id: id)
        } catch {
            encoder.deferredError = encoder.deferredError ?? error
            return child
        }
        encoder.addSplice(slot: slot, encoder: child)
        encoder.endElement(slot: slot)
        return child
    }
}

/// The single-value container of ``MessagePackEncoderImpl``: exactly one value, where the current value starts.
struct MessagePackSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: MessagePackEncoderImpl
    let writer: MessagePackWriter
    let start: Int
    let base: Int
    let codingPath: [any CodingKey]

    init(encoder: MessagePackEncoderImpl, start: Int, base: Int, codingPath: [any CodingKey]) {
        self.encoder = encoder
        self.writer = encoder.writer
        self.start = start
        self.base = base
        self.codingPath = codingPath
    }

    @inline(__always)
    private func checkEmpty() throws(TractorError) {
        guard writer.count == start, encoder.open.count == base else {
            throw TractorError(
                .encodingFailed,
                "a single value container at \(MessagePackEncoderImpl.render(codingPath)) was asked to encode a "
                    + "second value"
            )
        }
    }

    mutating func encodeNil() throws {
        try checkEmpty()
        writer.writeNil()
    }
    mutating func encode(_ value: Bool) throws {
        try checkEmpty()
        writer.writeBool(value)
    }
    mutating func encode(_ value: String) throws {
        try checkEmpty()
        try writer.writeString(value)
    }
    mutating func encode(_ value: Double) throws {
        try checkEmpty()
        writer.writeDouble(value)
    }
    mutating func encode(_ value: Float) throws {
        try checkEmpty()
        writer.writeFloat(value)
    }
    mutating func encode(_ value: Int) throws {
        try checkEmpty()
        writer.writeInt(Int64(value))
    }
    mutating func encode(_ value: Int8) throws {
        try checkEmpty()
        writer.writeInt(Int64(value))
    }
    mutating func encode(_ value: Int16) throws {
        try checkEmpty()
        writer.writeInt(Int64(value))
    }
    mutating func encode(_ value: Int32) throws {
        try checkEmpty()
        writer.writeInt(Int64(value))
    }
    mutating func encode(_ value: Int64) throws {
        try checkEmpty()
        writer.writeInt(value)
    }
    mutating func encode(_ value: UInt) throws {
        try checkEmpty()
        writer.writeUInt(UInt64(value))
    }
    mutating func encode(_ value: UInt8) throws {
        try checkEmpty()
        writer.writeUInt(UInt64(value))
    }
    mutating func encode(_ value: UInt16) throws {
        try checkEmpty()
        writer.writeUInt(UInt64(value))
    }
    mutating func encode(_ value: UInt32) throws {
        try checkEmpty()
        writer.writeUInt(UInt64(value))
    }
    mutating func encode(_ value: UInt64) throws {
        try checkEmpty()
        writer.writeUInt(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try checkEmpty()
        try encoder.encodeValue(value)
    }
}
