//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The bytes a ``Channel`` has yet to write: frames in order, kept in a list of buffers so that nothing queued is
/// ever copied again.
///
/// Small frames are encoded straight into the last, open buffer, so that a burst of them leaves in one system call. A
/// large frame is queued as a buffer of its own, by reference. What the kernel took of the first buffer is
/// remembered as an offset instead of being cut off with a copy: a queue of many megabytes that drains a few hundred
/// kilobytes per wake-up costs the same per byte as one that drains at once.
struct OutboundQueue {
    /// Frames at least this large are encoded on their own and queued as buffers of their own.
    static let largeFrame = 32 << 10
    /// An open buffer takes no more frames once it holds this many bytes.
    static let bufferLimit = 256 << 10
    /// Written buffers up to this capacity are kept for reuse.
    static let reusableCapacity = 1 << 20

    /// The queued buffers, oldest first.
    private(set) var buffers: [[UInt8]] = []
    /// Bytes of `buffers[0]` already written.
    private(set) var headOffset = 0
    /// Bytes queued and not yet written.
    private(set) var byteCount = 0
    /// Whether small frames may be appended to the last buffer.
    private var lastIsOpen = false
    /// A written buffer, emptied, kept to receive the next frames.
    private var spare: [UInt8] = []

    var isEmpty: Bool { byteCount == 0 }

    /// Appends one small frame, written by `encode` at the end of the open buffer.
    ///
    /// `encode` must only append; on error it must leave the buffer as it found it.
    mutating func appendFrame(_ encode: (inout [UInt8]) throws(TractorError) -> Void) throws(TractorError) {
        if !lastIsOpen || buffers[buffers.count - 1].count >= Self.bufferLimit {
            var fresh: [UInt8] = []
            swap(&fresh, &spare)
            buffers.append(fresh)
            lastIsOpen = true
        }
        let last = buffers.count - 1
        let before = buffers[last].count
        try encode(&buffers[last])
        byteCount += buffers[last].count - before
    }

    /// Appends a complete frame (or several) as a buffer of its own, of which the first `written` bytes have been
    /// written already (only when the queue is empty).
    mutating func appendBuffer(_ buffer: [UInt8], written: Int = 0) {
        precondition(written == 0 || isEmpty, "only the first buffer of a queue can be partly written")
        guard written < buffer.count else { return }
        if buffers.isEmpty { headOffset = written }
        buffers.append(buffer)
        byteCount += buffer.count - written
        lastIsOpen = false
    }

    /// Takes everything queued, leaving the queue empty.
    mutating func takeAll() -> (buffers: [[UInt8]], headOffset: Int, byteCount: Int) {
        defer {
            buffers = []
            headOffset = 0
            byteCount = 0
            lastIsOpen = false
        }
        return (buffers, headOffset, byteCount)
    }

    /// Puts back what a flush could not write, ahead of whatever was queued meanwhile.
    ///
    /// - Parameters:
    ///   - unwritten: The buffers not completely written, oldest first.
    ///   - offset: Bytes of `unwritten.first` already written.
    mutating func putBack(_ unwritten: ArraySlice<[UInt8]>, headOffset offset: Int) {
        guard let first = unwritten.first else { return }
        let bytes = unwritten.reduce(0) { $0 + $1.count } - offset
        if buffers.isEmpty { lastIsOpen = false }
        buffers.insert(contentsOf: unwritten, at: 0)
        headOffset = offset
        byteCount += bytes
        precondition(offset < first.count, "a put-back buffer has bytes left to write")
    }

    /// Offers a completely written buffer for reuse.
    mutating func recycle(_ buffer: consuming [UInt8]) {
        guard spare.capacity == 0, buffer.capacity <= Self.reusableCapacity else { return }
        var buffer = buffer
        buffer.removeAll(keepingCapacity: true)
        spare = buffer
    }
}
