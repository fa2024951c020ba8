//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The growing byte buffer the Codable encoder writes to.
///
/// A final class so that the encoder and all of its containers share one buffer. The storage is raw memory that
/// grows by doubling; writes reserve their size once and then store without further checks. Containers whose
/// element count is known only at the end are written with a one-byte placeholder header that ``insertGap(at:count:)``
/// widens when the count does not fit it.
final class MessagePackWriter: MessagePackSink {
    // One writer serves one encoding on one thread and never lends these properties out, so their run-time
    // exclusivity checks are switched off: they would cost more than the writes they guard.
    @exclusivity(unchecked) private var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    /// The number of bytes written so far.
    @exclusivity(unchecked) private(set) var count: Int

    init(capacity: Int = 128) {
        self.capacity = max(capacity, 16)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 1)
        self.count = 0
    }

    deinit {
        base.deallocate()
    }

    /// Makes room for at least `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if capacity &- count < extra {
            grow(toHold: count + extra)
        }
    }

    private func grow(toHold needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed {
            newCapacity *= 2
        }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    func writeByte(_ byte: UInt8) {
        reserve(1)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count &+= 1
    }

    @inline(__always)
    func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else {
            return
        }
        reserve(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count &+= bytes.count
    }

    @inline(__always)
    func writeHeader<T: FixedWidthInteger>(_ byte: UInt8, bigEndian value: T) {
        reserve(1 + MemoryLayout<T>.size)
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: value.bigEndian, toByteOffset: count &+ 1, as: T.self)
        count &+= 1 + MemoryLayout<T>.size
    }

    /// Reads back a byte already written.
    func byte(at offset: Int) -> UInt8 {
        precondition(offset >= 0 && offset < count, "offset \(offset) outside the written bytes")
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// Overwrites a byte already written.
    func setByte(_ byte: UInt8, at offset: Int) {
        precondition(offset >= 0 && offset < count, "offset \(offset) outside the written bytes")
        base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
    }

    /// Overwrites bytes already written with `value` in big-endian order.
    func setBigEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(
            offset >= 0 && offset + MemoryLayout<T>.size <= count,
            "offset \(offset) outside the written bytes"
        )
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
    }

    /// Moves the bytes from `offset` on forward by `gap` bytes; the gap's contents are unspecified until overwritten.
    func insertGap(at offset: Int, count gap: Int) {
        precondition(offset >= 0 && offset <= count && gap >= 0, "gap at \(offset) outside the written bytes")
        reserve(gap)
        (base + offset + gap).copyMemory(from: base + offset, byteCount: count - offset)
        count += gap
    }

    /// Inserts `bytes` at `offset`, moving what follows forward.
    func insert(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard let source = bytes.baseAddress, bytes.count > 0 else {
            return
        }
        insertGap(at: offset, count: bytes.count)
        (base + offset).copyMemory(from: source, byteCount: bytes.count)
    }

    /// Reserves `length` bytes at the end and lets `body` fill them through a pointer.
    ///
    /// `body` returns how many of the reserved bytes it wrote; the count advances by that much.
    @inline(__always)
    func withUnsafeSpace(
        _ length: Int,
        _ body: (UnsafeMutableRawPointer) throws(TractorError) -> Int
    ) throws(TractorError) {
        reserve(length)
        let written = try body(base + count)
        precondition(written >= 0 && written <= length, "wrote \(written) bytes into a space of \(length)")
        count &+= written
    }

    /// Calls `body` with the bytes written so far.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The bytes written so far, as a new array.
    func makeBytes() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: base, byteCount: count)
            }
            initialized = count
        }
    }
}

/// A sink that appends to a `[UInt8]`, for the hand-written message layout.
///
/// It borrows the caller's array for the duration of ``withSink(appendingTo:_:)`` by swapping it in and out, so
/// nothing is copied.
final class ByteArraySink: MessagePackSink {
    // Lent to one writing body on one thread (see withSink): the run-time exclusivity check on every byte appended
    // would cost more than the append.
    @exclusivity(unchecked) var bytes: [UInt8]

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Runs `body` with a sink that appends to `buffer`.
    static func withSink<R, E: Error>(
        appendingTo buffer: inout [UInt8],
        _ body: (ByteArraySink) throws(E) -> R
    ) throws(E) -> R {
        let sink = ByteArraySink(bytes: [])
        swap(&sink.bytes, &buffer)
        defer { swap(&sink.bytes, &buffer) }
        return try body(sink)
    }

    @inline(__always)
    func writeByte(_ byte: UInt8) {
        bytes.append(byte)
    }

    @inline(__always)
    func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        self.bytes.append(contentsOf: bytes)
    }

    @inline(__always)
    func writeHeader<T: FixedWidthInteger>(_ byte: UInt8, bigEndian value: T) {
        bytes.append(byte)
        withUnsafeBytes(of: value.bigEndian) { self.bytes.append(contentsOf: $0) }
    }
}
