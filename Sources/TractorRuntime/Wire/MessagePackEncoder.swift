//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

internal import FoundationEssentials

/// Encodes `Encodable` values as MessagePack.
///
/// Structs and classes become maps with string keys, arrays become arrays, optionals that are `nil` become nil, and
/// every number takes the smallest form that holds it (a `Float` is always a float32, a `Double` a float64).
/// `[UInt8]` and `Data` become binary data, `Date` becomes a timestamp (extension type -1), and
/// ``MessagePackValue`` writes itself as it is. A value whose `encode(to:)` writes nothing becomes an empty map.
/// The bytes decode in Python with `msgspec.msgpack.decode`, structs as dicts.
///
/// ```swift
/// struct Point: Codable { var x: Int; var y: Int }
/// let bytes = try MessagePackEncoder().encode(Point(x: 1, y: 2))
/// // bytes == [0x82, 0xa1, 0x78, 0x01, 0xa1, 0x79, 0x02]   ({"x": 1, "y": 2})
/// ```
///
/// Containers are written straight into one buffer, in the order they are used. A type may use any number of
/// nested containers, but it must finish writing one before it writes to a container opened earlier; writing to a
/// container after a later sibling has been opened throws `encodingFailed` rather than produce wrong bytes.
/// (Synthesized `Codable` conformances always write in order.)
///
/// Not API: job inputs, outputs and stream elements are `Codable`, and the runtime encodes them; no caller needs the
/// codec to send its own payloads. It is `@_spi(Benchmarks)` so that the benchmark package can time it.
@_spi(Benchmarks) public struct MessagePackEncoder: Sendable {
    /// Values the encoded types can read from `Encoder.userInfo`. Empty by default.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Creates an encoder.
    public init() {
        self.userInfo = Dictionary()
    }

    /// Encodes a value and returns its bytes.
    ///
    /// ```swift
    /// let bytes = try MessagePackEncoder().encode([1, 2, 3])   // [0x93, 0x01, 0x02, 0x03]
    /// ```
    ///
    /// - Parameter value: The value to encode.
    /// - Returns: The MessagePack bytes of `value`.
    /// - Throws: A ``TractorError`` with code `encodingFailed` when a container is used out of order, a length
    ///   exceeds the format's 2^32 - 1 limit or a date is outside the timestamp range, or when `value`'s own
    ///   `encode(to:)` throws (the original error is the `cause`).
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let bytes = try Self.encodeBytesDirectly(value) {
            return bytes
        }
        let writer = MessagePackWriter()
        try encode(value, with: writer)
        return writer.makeBytes()
    }

    /// Encodes a value and appends its bytes to `buffer`.
    ///
    /// Use it to build a frame or a larger message in one buffer without an intermediate array.
    ///
    /// ```swift
    /// var buffer: [UInt8] = []
    /// try MessagePackEncoder().encode("hi", into: &buffer)   // buffer == [0xa2, 0x68, 0x69]
    /// ```
    ///
    /// - Parameters:
    ///   - value: The value to encode.
    ///   - buffer: The buffer to append to; on error it holds what it held before.
    /// - Throws: As ``encode(_:)``.
    public func encode<T: Encodable>(_ value: T, into buffer: inout [UInt8]) throws {
        if MessagePackDirectType.of(T.self) == .byteArray {
            let bytes = identityCast(value, to: [UInt8].self)
            try ByteArraySink.withSink(appendingTo: &buffer) { (sink) throws(TractorError) in
                try sink.writeBinary(bytes)
            }
            return
        }
        let writer = MessagePackWriter()
        try encode(value, with: writer)
        writer.withUnsafeBytes { buffer.append(contentsOf: $0) }
    }

    private func encode<T: Encodable>(_ value: T, with writer: MessagePackWriter) throws {
        let encoder = MessagePackEncoderImpl(writer: writer, codingPath: [], userInfo: userInfo)
        do {
            try encoder.encodeValue(value)
            try encoder.finish()
        } catch let error as TractorError {
            throw error
        } catch {
            throw TractorError(.encodingFailed, "could not encode \(T.self): \(error)", cause: error)
        }
    }

    /// Encodes the values that are one binary string, or one array of fixed-size elements, in one step.
    private static func encodeBytesDirectly<T: Encodable>(_ value: T) throws -> [UInt8]? {
        guard let kind = MessagePackDirectType.of(T.self) else { return nil }
        switch kind {
        case .byteArray:
            let bytes = identityCast(value, to: [UInt8].self)
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 5)
            try ByteArraySink.withSink(appendingTo: &output) { (sink) throws(TractorError) in
                try sink.writeBinary(bytes)
            }
            return output
        case .data:
            let data = identityCast(value, to: Data.self)
            var output: [UInt8] = []
            output.reserveCapacity(data.count + 5)
            try ByteArraySink.withSink(appendingTo: &output) { sink in
                try data.withUnsafeBytes { raw in try sink.writeBinary(raw) }
            }
            return output
        case .intArray:
            return try MessagePackWriter.makeIntArray(identityCast(value, to: [Int].self))
        case .int, .int8, .int16, .int32, .int64, .uint, .uint8, .uint16, .uint32, .uint64, .bool, .double, .float,
             .string:
            // A lone scalar or string needs no encoder object: it is written straight into its array.
            var output: [UInt8] = []
            try ByteArraySink.withSink(appendingTo: &output) { (sink) throws(TractorError) in
                _ = try MessagePackEncoderImpl.writeScalar(value, as: kind, to: sink)
            }
            return output
        default:
            return nil
        }
    }
}
