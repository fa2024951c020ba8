//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// One wire message, opaque, for the benchmark package to time the message codec with. Not API.
///
/// The wire protocol's types are `package`; this wrapper lets a package outside this one encode and decode a message
/// without seeing them.
///
/// ```swift
/// @_spi(Benchmarks) import TractorRuntime
///
/// var frame: [UInt8] = []
/// try WireBenchmarkMessage.yield(cid: 1, payload: [1, 2, 3]).encodeFrame(into: &frame)
/// let decoded = try frame.dropFirst(4).withUnsafeBytes { try WireBenchmarkMessage.decode(from: $0) }
/// ```
@_spi(Benchmarks) public struct WireBenchmarkMessage: Sendable, Hashable {
    package let message: Message

    /// A stream element: a `yield` message carrying `payload` on call `cid`.
    public static func yield(cid: UInt64, payload: [UInt8]) -> WireBenchmarkMessage {
        WireBenchmarkMessage(message: .yield(cid: cid, payload: payload))
    }

    /// Appends the message to `buffer` as one frame (a 4-byte length and the encoded message).
    ///
    /// - Throws: ``TractorError`` `.frameTooLarge` or `.encodingFailed`.
    public func encodeFrame(into buffer: inout [UInt8]) throws(TractorError) {
        try message.encodeFrame(into: &buffer)
    }

    /// Decodes one message that fills `bytes` exactly (a frame's payload, without its length).
    ///
    /// - Throws: ``TractorError`` `.malformedData` for anything that is not one message of the protocol.
    public static func decode(from bytes: UnsafeRawBufferPointer) throws(TractorError) -> WireBenchmarkMessage {
        WireBenchmarkMessage(message: try Message.decode(from: bytes))
    }
}
