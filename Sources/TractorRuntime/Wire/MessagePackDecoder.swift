//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Decodes `Decodable` values from MessagePack.
///
/// Maps decode into structs and classes (by string key; integer keys match keys whose `intValue` or name is that
/// number), arrays into arrays, nil into `nil` optionals. Numbers convert when their value fits: an integer type
/// accepts any integer form whose value it can hold; `Double` accepts float64, float32 and integers; `Float`
/// accepts float32, and float64 or integers whose value a `Float` holds exactly. `[UInt8]` and `Data` accept binary
/// data (and `[UInt8]` also an array of small integers); `Date` accepts a timestamp; ``MessagePackValue`` accepts
/// anything.
///
/// ```swift
/// struct Point: Codable { var x: Int; var y: Int }
/// let point = try MessagePackDecoder().decode(Point.self, from: [0x82, 0xa1, 0x78, 0x01, 0xa1, 0x79, 0x02])
/// // point.x == 1, point.y == 2
/// ```
///
/// The decoder never traps on bad input: every length is checked against the bytes that remain before anything is
/// allocated for it, strings are validated as UTF-8, and nesting is limited by ``maximumDepth``.
///
/// Not API: the runtime decodes every payload into the job's `Codable` types. It is `@_spi(Benchmarks)` so that the
/// benchmark package can time it.
@_spi(Benchmarks) public struct MessagePackDecoder: Sendable {
    /// Values the decoded types can read from `Decoder.userInfo`. Empty by default.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// How deeply arrays and maps may nest. Deeper input fails with `malformedData`. The default is 512.
    ///
    /// Each level of nesting that is decoded (rather than stepped over) takes a few stack frames, so keep this in
    /// the hundreds or low thousands.
    public var maximumDepth: Int

    /// Creates a decoder.
    public init() {
        self.userInfo = Dictionary()
        self.maximumDepth = MessagePackFormat.defaultMaximumDepth
    }

    /// Decodes a value of type `T` that fills `bytes` exactly.
    ///
    /// ```swift
    /// let numbers = try MessagePackDecoder().decode([Int].self, from: [0x93, 0x01, 0x02, 0x03])   // [1, 2, 3]
    /// ```
    ///
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - bytes: The MessagePack bytes of one value.
    /// - Returns: The decoded value.
    /// - Throws: A ``TractorError``: `truncatedData` when the bytes end early or a length exceeds what remains;
    ///   `typeMismatch` when a value of another kind is found; `valueOutOfRange` when a number does not fit;
    ///   `malformedData` for the reserved byte 0xc1, invalid UTF-8, invalid timestamps, nesting deeper than
    ///   ``maximumDepth`` or bytes left after the value; `decodingFailed` when `T`'s own `init(from:)` throws
    ///   (a missing key, for example), with the original error as the `cause`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { raw in try decode(type, from: raw) }
    }

    /// Decodes a value of type `T` that fills `bytes` exactly; see the `[UInt8]` form of `decode(_:from:)`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>) throws -> T {
        try bytes.withUnsafeBytes { raw in try decode(type, from: raw) }
    }

    /// Decodes a value of type `T` that fills `bytes` exactly; see the `[UInt8]` form of `decode(_:from:)`.
    ///
    /// - Important: `bytes` must stay valid until the call returns; the result does not borrow from it.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        do {
            var end = 0
            let value: T
            if let kind = MessagePackDirectType.of(T.self) {
                // A type the format holds natively needs no decoder object (and no allocation for it).
                var reader = MessagePackReader(bytes)
                value = try MessagePackDecoderImpl.readDirectly(T.self, as: kind, from: &reader, depthLeft: maximumDepth)
                end = reader.offset
            } else {
                let decoder = MessagePackDecoderImpl(bytes: bytes, userInfo: userInfo, maximumDepth: maximumDepth)
                value = try decoder.decodeValue(T.self, at: 0, depth: 0, end: &end)
            }
            guard end == bytes.count else {
                throw TractorError(
                    .malformedData,
                    "\(bytes.count - end) bytes follow the value that ends at offset \(end)"
                )
            }
            return value
        } catch let error as TractorError {
            throw error
        } catch {
            throw TractorError(.decodingFailed, "could not decode \(T.self): \(error)", cause: error)
        }
    }
}
