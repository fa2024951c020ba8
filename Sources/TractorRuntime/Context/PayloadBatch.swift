//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Stream elements waiting for their consumer, as encoded payloads, oldest first.
///
/// Small payloads are stored back to back in one byte array, so that receiving one costs a copy into memory that is
/// reused from batch to batch rather than an allocation of its own; a large payload that arrived as an array of its
/// own is kept by reference, uncopied.
package struct PayloadBatch: Sendable, Equatable {
    private enum Slot: Sendable, Equatable {
        /// Bytes `start..<end` of `inline`.
        case inline(start: Int, end: Int)
        /// `outOfLine[index]`.
        case outOfLine(index: Int)
    }

    private var inline: [UInt8] = []
    private var outOfLine: [[UInt8]] = []
    private var slots: [Slot] = []

    init() {}

    /// A batch of these payloads, in order.
    init(_ payloads: [[UInt8]]) {
        for payload in payloads {
            payload.withUnsafeBytes { append($0) }
        }
    }

    /// The number of payloads.
    var count: Int { slots.count }

    var isEmpty: Bool { slots.isEmpty }

    /// Appends a copy of `payload`.
    mutating func append(_ payload: UnsafeRawBufferPointer) {
        let start = inline.count
        inline.append(contentsOf: payload)
        slots.append(.inline(start: start, end: inline.count))
    }

    /// Appends `payload` by reference.
    mutating func append(_ payload: [UInt8]) {
        outOfLine.append(payload)
        slots.append(.outOfLine(index: outOfLine.count - 1))
    }

    /// Calls `body` with the bytes of payload `index`.
    func withPayload<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch slots[index] {
        case .inline(let start, let end):
            try inline.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
        case .outOfLine(let slot):
            try outOfLine[slot].withUnsafeBytes { raw in try body(raw) }
        }
    }

    /// The payloads, as arrays.
    var payloads: [[UInt8]] {
        (0..<count).map { index in withPayload(at: index) { Array($0) } }
    }

    /// Forgets every payload, keeping the memory for the next ones.
    mutating func removeAll() {
        inline.removeAll(keepingCapacity: true)
        outOfLine.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
    }

    package static func == (lhs: PayloadBatch, rhs: PayloadBatch) -> Bool {
        lhs.payloads == rhs.payloads
    }
}
