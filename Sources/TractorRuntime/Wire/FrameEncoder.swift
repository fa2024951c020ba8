//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Writes length-prefixed frames: a 4-byte big-endian payload length, then the payload.
///
/// Frames are how messages travel over a byte stream; ``FrameDecoder`` splits the stream back into them.
///
/// ```swift
/// var output: [UInt8] = []
/// try FrameEncoder().encode([0x01, 0x02], into: &output)   // output == [0, 0, 0, 2, 0x01, 0x02]
/// ```
package struct FrameEncoder: Sendable {
    /// The largest payload, in bytes, that ``encode(_:into:)-([UInt8],_)`` accepts. 64 MiB by default;
    /// at most 2^32 - 1, the largest length the header can hold.
    package var maximumFrameSize: Int

    /// Creates a frame encoder.
    ///
    /// - Parameter maximumFrameSize: The largest payload accepted, in bytes; clamped to 0...2^32 - 1.
    package init(maximumFrameSize: Int = FrameDecoder.defaultMaximumFrameSize) {
        self.maximumFrameSize = min(max(maximumFrameSize, 0), Int(UInt32.max))
    }

    /// Appends a frame holding `payload` to `buffer`.
    ///
    /// - Throws: `frameTooLarge` when the payload is longer than ``maximumFrameSize``; `buffer` is then unchanged.
    package func encode(_ payload: [UInt8], into buffer: inout [UInt8]) throws(TractorError) {
        try payload.withUnsafeBytes { raw in
            Result { () throws(TractorError) in try encode(raw, into: &buffer) }
        }.get()
    }

    /// Appends a frame holding `payload` to `buffer`; see ``encode(_:into:)-([UInt8],_)``.
    package func encode(_ payload: UnsafeRawBufferPointer, into buffer: inout [UInt8]) throws(TractorError) {
        try checkSize(payload.count)
        buffer.reserveCapacity(buffer.count + 4 + payload.count)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: payload.count).bigEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: payload)
    }

    /// Appends a frame whose payload `body` appends to `buffer`, without an intermediate copy.
    ///
    /// The length is reserved first and filled in when `body` returns.
    ///
    /// ```swift
    /// var output: [UInt8] = []
    /// try FrameEncoder().encodeFrame(into: &output) { buffer in
    ///     try MessagePackEncoder().encode(["a", "b"], into: &buffer)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to. On any error it is restored to its previous length.
    ///   - body: Appends the payload; it must not remove what `buffer` held before.
    /// - Throws: `frameTooLarge` when the payload is longer than ``maximumFrameSize``, or the error `body` threw.
    package func encodeFrame(into buffer: inout [UInt8], _ body: (inout [UInt8]) throws -> Void) throws {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: 4))
        do {
            try body(&buffer)
            guard buffer.count >= start + 4 else {
                throw TractorError(.encodingFailed, "a frame body removed bytes that were in the buffer before it")
            }
            let length = buffer.count - start - 4
            try checkSize(length)
            let header = UInt32(truncatingIfNeeded: length)
            buffer[start] = UInt8(truncatingIfNeeded: header >> 24)
            buffer[start + 1] = UInt8(truncatingIfNeeded: header >> 16)
            buffer[start + 2] = UInt8(truncatingIfNeeded: header >> 8)
            buffer[start + 3] = UInt8(truncatingIfNeeded: header)
        } catch {
            buffer.removeSubrange(min(start, buffer.count)...)
            throw error
        }
    }

    private func checkSize(_ length: Int) throws(TractorError) {
        guard length <= maximumFrameSize else {
            throw TractorError(
                .frameTooLarge,
                "a frame of \(length) bytes exceeds the maximum frame size of \(maximumFrameSize) bytes"
            )
        }
    }
}
