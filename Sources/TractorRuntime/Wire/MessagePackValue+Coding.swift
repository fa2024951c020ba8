//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension MessagePackValue {
    /// Decodes one value that fills `bytes` exactly.
    ///
    /// ```swift
    /// let value = try MessagePackValue(decoding: [0x81, 0xa1, 0x61, 0x01])   // ["a": 1]
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The MessagePack bytes of one value.
    ///   - maximumDepth: How deeply arrays and maps may nest; deeper input is rejected. 512 by default.
    /// - Throws: A ``TractorError``: `truncatedData` when the bytes end early, `malformedData` for invalid bytes,
    ///   nesting deeper than `maximumDepth` or bytes left after the value.
    package init(decoding bytes: [UInt8], maximumDepth: Int = 512) throws(TractorError) {
        self = try bytes.withUnsafeBytes { raw in
            Result { () throws(TractorError) in try MessagePackValue(decoding: raw, maximumDepth: maximumDepth) }
        }.get()
    }

    /// Decodes one value that fills `bytes` exactly; see ``init(decoding:maximumDepth:)-([UInt8],_)``.
    package init(decoding bytes: ArraySlice<UInt8>, maximumDepth: Int = 512) throws(TractorError) {
        self = try bytes.withUnsafeBytes { raw in
            Result { () throws(TractorError) in try MessagePackValue(decoding: raw, maximumDepth: maximumDepth) }
        }.get()
    }

    /// Decodes one value that fills `bytes` exactly; see ``init(decoding:maximumDepth:)-([UInt8],_)``.
    package init(decoding bytes: UnsafeRawBufferPointer, maximumDepth: Int = 512) throws(TractorError) {
        var reader = MessagePackReader(bytes)
        self = try Self.read(from: &reader, depthLeft: maximumDepth)
        guard reader.isAtEnd else {
            throw TractorError(
                .malformedData,
                "\(reader.remaining) bytes follow the value that ends at offset \(reader.offset)"
            )
        }
    }

    /// Returns the MessagePack bytes of this value, every part in its smallest form.
    ///
    /// ```swift
    /// let bytes = try MessagePackValue.array([1, "a"]).encoded()   // [0x92, 0x01, 0xa1, 0x61]
    /// ```
    ///
    /// - Throws: `encodingFailed` when a length exceeds 2^32 - 1 or a timestamp has a billion nanoseconds or more.
    package func encoded() throws(TractorError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(into: &bytes)
        return bytes
    }

    /// Appends the MessagePack bytes of this value to `buffer`; see ``encoded()``.
    package func encode(into buffer: inout [UInt8]) throws(TractorError) {
        try ByteArraySink.withSink(appendingTo: &buffer) { (sink) throws(TractorError) in
            try write(to: sink)
        }
    }

    /// Writes this value to `sink`.
    func write(to sink: some MessagePackSink) throws(TractorError) {
        switch self {
        case .nil: sink.writeNil()
        case .bool(let value): sink.writeBool(value)
        case .int(let value): sink.writeInt(value)
        case .uint(let value): sink.writeUInt(value)
        case .float(let value): sink.writeFloat(value)
        case .double(let value): sink.writeDouble(value)
        case .string(let value): try sink.writeString(value)
        case .binary(let value): try sink.writeBinary(value)
        case .array(let values):
            try sink.writeArrayHeader(count: values.count)
            for value in values {
                try value.write(to: sink)
            }
        case .map(let pairs):
            try sink.writeMapHeader(count: pairs.count)
            for (key, value) in pairs {
                try key.write(to: sink)
                try value.write(to: sink)
            }
        case .extension(let type, let data):
            try data.withUnsafeBytes { raw in
                Result { () throws(TractorError) in try sink.writeExtension(type: type, data: raw) }
            }.get()
        case .timestamp(let seconds, let nanoseconds):
            try sink.writeTimestamp(seconds: seconds, nanoseconds: nanoseconds)
        }
    }

    /// Reads one value; arrays and maps may nest `depthLeft` levels.
    static func read(from reader: inout MessagePackReader, depthLeft: Int) throws(TractorError) -> MessagePackValue {
        let start = reader.offset
        let byte = try reader.peekByte()
        switch byte {
        case 0x00...0x7f:
            reader.offset += 1
            return .int(Int64(byte))
        case 0xe0...0xff, MessagePackFormat.int8...MessagePackFormat.int64:
            return .int(try reader.readInteger(Int64.self))
        case MessagePackFormat.uint8...MessagePackFormat.uint64:
            let value = try reader.readInteger(UInt64.self)
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        case MessagePackFormat.nil:
            reader.offset += 1
            return .nil
        case MessagePackFormat.true, MessagePackFormat.false:
            return .bool(try reader.readBool())
        case MessagePackFormat.float32:
            return .float(try reader.readFloat())
        case MessagePackFormat.float64:
            return .double(try reader.readDouble())
        case 0xa0...0xbf, MessagePackFormat.str8...MessagePackFormat.str32:
            return .string(try reader.readString())
        case MessagePackFormat.bin8...MessagePackFormat.bin32:
            return .binary([UInt8](try reader.readBinary()))
        case 0x90...0x9f, MessagePackFormat.array16, MessagePackFormat.array32:
            try checkDepth(depthLeft, at: start)
            let count = try reader.readArrayCount()
            var values: [MessagePackValue] = []
            values.reserveCapacity(MessagePackFormat.reservation(for: count))
            for _ in 0..<count {
                values.append(try read(from: &reader, depthLeft: depthLeft - 1))
            }
            return .array(values)
        case 0x80...0x8f, MessagePackFormat.map16, MessagePackFormat.map32:
            try checkDepth(depthLeft, at: start)
            let count = try reader.readMapCount()
            var pairs: [(key: MessagePackValue, value: MessagePackValue)] = []
            pairs.reserveCapacity(MessagePackFormat.reservation(for: count))
            for _ in 0..<count {
                let key = try read(from: &reader, depthLeft: depthLeft - 1)
                pairs.append((key, try read(from: &reader, depthLeft: depthLeft - 1)))
            }
            return .map(pairs)
        case MessagePackFormat.ext8...MessagePackFormat.ext32, MessagePackFormat.fixext1...MessagePackFormat.fixext16:
            let (type, data) = try reader.readExtension()
            if type == MessagePackFormat.timestampType {
                let (seconds, nanoseconds) = try MessagePackReader.timestamp(from: data, at: start)
                return .timestamp(seconds: seconds, nanoseconds: nanoseconds)
            }
            return .extension(type: type, data: [UInt8](data))
        default:
            throw reader.mismatch(expected: "a value", found: byte, at: start)
        }
    }

    static func checkDepth(_ depthLeft: Int, at offset: Int) throws(TractorError) {
        guard depthLeft > 0 else {
            throw TractorError(.malformedData, "arrays and maps nest too deeply at offset \(offset)")
        }
    }
}

extension MessagePackValue: Codable {
    /// Encodes the value; with ``MessagePackEncoder`` its bytes are written as they are.
    ///
    /// Other encoders get the nearest plain Codable shape: maps need string keys there, and extension values and
    /// timestamps cannot be encoded (`EncodingError.invalidValue`).
    package func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? MessagePackEncoderImpl {
            var container = encoder.singleValueContainer()
            try container.encode(self)
            return
        }
        try encodeGenerically(to: encoder)
    }

    private func encodeGenerically(to encoder: any Encoder) throws {
        switch self {
        case .array(let values):
            var container = encoder.unkeyedContainer()
            try container.encode(contentsOf: values)
        case .map(let pairs):
            var container = encoder.container(keyedBy: MessagePackIndexKey.self)
            for (key, value) in pairs {
                guard case .string(let name) = key, let codingKey = MessagePackIndexKey(stringValue: name) else {
                    throw EncodingError.invalidValue(
                        self,
                        .init(codingPath: encoder.codingPath, debugDescription: "map keys must be strings here")
                    )
                }
                try container.encode(value, forKey: codingKey)
            }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .nil: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .int(let value): try container.encode(value)
            case .uint(let value): try container.encode(value)
            case .float(let value): try container.encode(value)
            case .double(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .binary(let value): try container.encode(value)
            default:
                throw EncodingError.invalidValue(
                    self,
                    .init(codingPath: encoder.codingPath, debugDescription: "\(self) has no form outside MessagePack")
                )
            }
        }
    }

    /// Decodes any value; with ``MessagePackDecoder`` it is read from the bytes as they are.
    ///
    /// Other decoders are asked, in turn, for nil, a boolean, an integer, a double, a string, an array and a map
    /// with string keys.
    package init(from decoder: any Decoder) throws {
        if let decoder = decoder as? MessagePackDecoderImpl {
            self = try decoder.decodeDynamicValue()
            return
        }
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() {
                self = .nil
                return
            }
            if let value = try? container.decode(Bool.self) {
                self = .bool(value)
                return
            }
            if let value = try? container.decode(Int64.self) {
                self = .int(value)
                return
            }
            if let value = try? container.decode(UInt64.self) {
                self = .uint(value)
                return
            }
            if let value = try? container.decode(Double.self) {
                self = .double(value)
                return
            }
            if let value = try? container.decode(String.self) {
                self = .string(value)
                return
            }
        }
        if var container = try? decoder.unkeyedContainer() {
            var values: [MessagePackValue] = []
            while !container.isAtEnd {
                values.append(try container.decode(MessagePackValue.self))
            }
            self = .array(values)
            return
        }
        let container = try decoder.container(keyedBy: MessagePackIndexKey.self)
        var pairs: [(key: MessagePackValue, value: MessagePackValue)] = []
        for key in container.allKeys {
            pairs.append((.string(key.stringValue), try container.decode(MessagePackValue.self, forKey: key)))
        }
        self = .map(pairs)
    }
}
