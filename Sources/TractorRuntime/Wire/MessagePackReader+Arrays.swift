//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Bulk readers for the arrays the decoder recognises.
extension MessagePackReader {
    /// Reads an array of integers that each fit `Int`.
    mutating func readIntArray() throws(TractorError) -> [Int] {
        let count = try readArrayCount()
        var failure: TractorError?
        let values = [Int](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            while index < count {
                guard offset < bytes.count else {
                    failure = truncated(needing: 1, for: "element \(index) of an array of \(count)")
                    break
                }
                let byte = bytes.load(fromByteOffset: offset, as: UInt8.self)
                if byte < 0x80 {
                    offset &+= 1
                    buffer[index] = Int(byte)
                } else {
                    let start = offset
                    offset &+= 1
                    do throws(TractorError) {
                        buffer[index] = try readIntegerSlowPath(Int.self, byte: byte, start: start)
                    } catch {
                        failure = error
                        break
                    }
                }
                index &+= 1
            }
            initialized = index
        }
        if let failure {
            throw failure
        }
        return values
    }

    /// Reads binary data, or an array of integers that each fit a byte, as `[UInt8]`.
    mutating func readByteArray() throws(TractorError) -> [UInt8] {
        let byte = try peekByte()
        guard byte == 0xdc || byte == 0xdd || (byte >= 0x90 && byte <= 0x9f) else {
            return [UInt8](try readBinary())
        }
        let count = try readArrayCount()
        var values: [UInt8] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readInteger(UInt8.self))
        }
        return values
    }

    /// Reads an array of numbers as `[Double]`.
    mutating func readDoubleArray() throws(TractorError) -> [Double] {
        let count = try readArrayCount()
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readDouble())
        }
        return values
    }

    /// Reads an array of strings.
    mutating func readStringArray() throws(TractorError) -> [String] {
        let count = try readArrayCount()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try readString())
        }
        return values
    }
}
