//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Splits a byte stream into length-prefixed frames, however the stream is cut into chunks.
///
/// Append bytes as they arrive, then take every complete frame. Each frame is a 4-byte big-endian payload length
/// and the payload. A length above ``maximumFrameSize`` fails with `frameTooLarge` as soon as its 4 header bytes
/// have arrived, before anything is allocated for the payload; the decoder then stays failed, because the stream
/// can no longer be trusted.
///
/// ```swift
/// var decoder = FrameDecoder(maximumFrameSize: 1 << 20)
/// decoder.append([0, 0, 0, 2, 0xaa])          // a header and half a payload
/// try decoder.nextFrame()                      // nil: incomplete
/// decoder.append([0xbb, 0, 0, 0, 0])          // the rest, and an empty frame
/// try decoder.nextFrame()                      // [0xaa, 0xbb]
/// try decoder.nextFrame()                      // []
/// try decoder.finish()                         // the stream ended between frames
/// ```
///
/// Consumed bytes are dropped in bulk once they make up half the buffer, so many small frames arriving in one chunk
/// cost linear time.
///
/// Not API: the runtime frames every message itself. It is `@_spi(Benchmarks)` so that the benchmark package can
/// time the codec.
@_spi(Benchmarks) public struct FrameDecoder: Sendable {
    /// The default maximum payload size: 64 MiB.
    public static let defaultMaximumFrameSize = 64 << 20

    /// The largest payload, in bytes, a frame may announce.
    public let maximumFrameSize: Int

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: TractorError?

    /// Creates a frame decoder.
    ///
    /// - Parameter maximumFrameSize: The largest payload a frame may announce, in bytes. 64 MiB by default.
    public init(maximumFrameSize: Int = FrameDecoder.defaultMaximumFrameSize) {
        self.maximumFrameSize = max(maximumFrameSize, 0)
    }

    /// The number of bytes received but not yet returned in a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends bytes received from the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes received from the stream.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    private mutating func compactIfWorthwhile() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// The payload range of the next complete frame, or `nil` when more bytes are needed.
    private mutating func nextFrameRange() throws(TractorError) -> Range<Int>? {
        if let failure {
            throw failure
        }
        guard buffer.count - readIndex >= 4 else {
            return nil
        }
        let length = buffer.withUnsafeBytes { raw in
            Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: readIndex, as: UInt32.self)))
        }
        guard length <= maximumFrameSize else {
            let error = TractorError(
                .frameTooLarge,
                "a frame announces \(length) bytes, above the maximum frame size of \(maximumFrameSize) bytes"
            )
            failure = error
            throw error
        }
        guard buffer.count - readIndex - 4 >= length else {
            return nil
        }
        let start = readIndex + 4
        readIndex = start + length
        return start..<(start + length)
    }

    /// Returns the next complete frame's payload as a new array, or `nil` when more bytes are needed.
    ///
    /// - Throws: `frameTooLarge` when the next frame announces a payload above ``maximumFrameSize``, and again on
    ///   every later call.
    public mutating func nextFrame() throws(TractorError) -> [UInt8]? {
        guard let range = try nextFrameRange() else {
            return nil
        }
        return Array(buffer[range])
    }

    /// Returns the next complete frame's payload as a slice of the decoder's buffer, or `nil`.
    ///
    /// The slice shares the decoder's storage; drop it (or copy it) before the next `append` to avoid copying the
    /// whole buffer then.
    ///
    /// - Throws: As ``nextFrame()``.
    public mutating func nextFrameSlice() throws(TractorError) -> ArraySlice<UInt8>? {
        guard let range = try nextFrameRange() else {
            return nil
        }
        return buffer[range]
    }

    /// Calls `body` with the next complete frame's payload, without copying it, and returns its result;
    /// returns `nil` without calling `body` when more bytes are needed.
    ///
    /// - Important: The pointer is valid only inside `body`.
    /// - Throws: As ``nextFrame()``, or the error `body` threw (the frame counts as consumed).
    public mutating func withNextFrame<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        guard let range = try nextFrameRange() else {
            return nil
        }
        return try buffer.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[range])) }
    }

    /// Checks that the stream ended cleanly, between two frames.
    ///
    /// - Throws: `truncatedData` when part of a frame is buffered; `frameTooLarge` when the decoder has failed.
    public func finish() throws(TractorError) {
        if let failure {
            throw failure
        }
        guard bufferedByteCount == 0 else {
            throw TractorError(
                .truncatedData,
                "the stream ended inside a frame, with \(bufferedByteCount) bytes of it received"
            )
        }
    }
}
