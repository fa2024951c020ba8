//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The environment marker that turns a process into a spawned child: who its parent is and how to reach it.
///
/// Travels in the `TRACTOR_SPAWN` environment variable as hex-encoded fields, so no path or name needs escaping.
package struct SpawnMarker: Sendable, Hashable {
    package static let variable = "TRACTOR_SPAWN"

    package var parentSocket: String
    package var parentPID: Int32
    package var name: String
    package var uid: String
    package var cookie: [UInt8]
    package var treeSecret: [UInt8]
    package var socketDirectory: String
    /// The registry's listener, so the child can register before it finishes the handshake; empty if none.
    package var registryAddress: String

    package init(
        parentSocket: String,
        parentPID: Int32,
        name: String,
        uid: String,
        cookie: [UInt8],
        treeSecret: [UInt8],
        socketDirectory: String,
        registryAddress: String
    ) {
        self.parentSocket = parentSocket
        self.parentPID = parentPID
        self.name = name
        self.uid = uid
        self.cookie = cookie
        self.treeSecret = treeSecret
        self.socketDirectory = socketDirectory
        self.registryAddress = registryAddress
    }

    /// The variable's value.
    package var encoded: String {
        let fields: [[UInt8]] = [
            Array("1".utf8), Array(parentSocket.utf8), Array(String(parentPID).utf8), Array(name.utf8),
            Array(uid.utf8), cookie, treeSecret, Array(socketDirectory.utf8), Array(registryAddress.utf8),
        ]
        return fields.map(Hex.encode).joined(separator: ":")
    }

    /// Parses the variable's value; `nil` if it is not a marker of this version.
    package init?(encoded: String) {
        // Split as bytes: the marker is ASCII, and a worker reads it first thing at start, where each generic
        // `String` algorithm met for the first time costs its metadata.
        let fields = Array(encoded.utf8).split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            .map { Hex.decode(bytes: Array($0)) }
        guard fields.count == 9, fields.allSatisfy({ $0 != nil }) else { return nil }
        let values = fields.map { $0! }
        func text(_ index: Int) -> String { String(decoding: values[index], as: UTF8.self) }
        guard text(0) == "1", let pid = Int32(text(2)) else { return nil }
        self.init(
            parentSocket: text(1),
            parentPID: pid,
            name: text(3),
            uid: text(4),
            cookie: values[5],
            treeSecret: values[6],
            socketDirectory: text(7),
            registryAddress: text(8)
        )
    }
}

/// Lower-case hexadecimal, for identifiers and environment values.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of hexadecimal `text`; `nil` if it is not an even number of hexadecimal digits.
    package static func decode(_ text: String) -> [UInt8]? {
        decode(bytes: Array(text.utf8))
    }

    /// Hexadecimal text as bytes, without making a `String` of it; `nil` if it is not an even number of digits.
    package static func decode(bytes text: [UInt8]) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index < text.count {
            guard let high = digit(text[index]), let low = digit(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func digit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
