//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The byte values and limits of the MessagePack format, and names for them in error messages.
///
/// Only the codec uses these; everything else works with ``MessagePackValue`` or Codable types.
enum MessagePackFormat {
    static let `nil`: UInt8 = 0xc0
    static let reserved: UInt8 = 0xc1
    static let `false`: UInt8 = 0xc2
    static let `true`: UInt8 = 0xc3
    static let bin8: UInt8 = 0xc4
    static let bin16: UInt8 = 0xc5
    static let bin32: UInt8 = 0xc6
    static let ext8: UInt8 = 0xc7
    static let ext16: UInt8 = 0xc8
    static let ext32: UInt8 = 0xc9
    static let float32: UInt8 = 0xca
    static let float64: UInt8 = 0xcb
    static let uint8: UInt8 = 0xcc
    static let uint16: UInt8 = 0xcd
    static let uint32: UInt8 = 0xce
    static let uint64: UInt8 = 0xcf
    static let int8: UInt8 = 0xd0
    static let int16: UInt8 = 0xd1
    static let int32: UInt8 = 0xd2
    static let int64: UInt8 = 0xd3
    static let fixext1: UInt8 = 0xd4
    static let fixext2: UInt8 = 0xd5
    static let fixext4: UInt8 = 0xd6
    static let fixext8: UInt8 = 0xd7
    static let fixext16: UInt8 = 0xd8
    static let str8: UInt8 = 0xd9
    static let str16: UInt8 = 0xda
    static let str32: UInt8 = 0xdb
    static let array16: UInt8 = 0xdc
    static let array32: UInt8 = 0xdd
    static let map16: UInt8 = 0xde
    static let map32: UInt8 = 0xdf
    static let fixmap: UInt8 = 0x80
    static let fixarray: UInt8 = 0x90
    static let fixstr: UInt8 = 0xa0

    /// The extension type of the timestamp extension.
    static let timestampType: Int8 = -1

    /// The default limit on how deeply arrays and maps may nest when decoding.
    static let defaultMaximumDepth = 512

    /// How many elements to reserve room for when a container that may hold further containers announces `count`.
    ///
    /// A count is always checked against the bytes that remain, but nested containers could each claim nearly
    /// all of them: reserving for every claim would let a small input reserve its size times its nesting depth.
    /// Up to this many elements are reserved at once; beyond it the storage grows with the elements read.
    static func reservation(for count: Int) -> Int {
        min(count, 1_024)
    }

    /// A short name for the kind of value a header byte starts, such as `"a string"`.
    static func kindName(of byte: UInt8) -> String {
        switch byte {
        case 0x00...0x7f, 0xe0...0xff, uint8...uint64, int8...int64: return "an integer"
        case 0x80...0x8f, map16, map32: return "a map"
        case 0x90...0x9f, array16, array32: return "an array"
        case 0xa0...0xbf, str8, str16, str32: return "a string"
        case `nil`: return "nil"
        case `false`, `true`: return "a boolean"
        case bin8, bin16, bin32: return "binary data"
        case float32: return "a float32"
        case float64: return "a float64"
        case ext8, ext16, ext32, fixext1...fixext16: return "an extension value"
        default: return "the reserved byte 0xc1"
        }
    }

    /// The byte rendered as two hex digits, for error messages.
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xf)])
    }
}
