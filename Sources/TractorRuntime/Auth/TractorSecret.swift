//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Crypto
import Glibc

/// The per-run 256-bit secret that every host of a run shares: a TCP connection is served only once both ends have
/// proved that they hold it (see ``TransportAuthenticator``).
///
/// It comes from the `TRACTOR_SECRET` environment variable or from a file (``TCPConfiguration/secretFile``), never
/// from a command line (which every user of a host can read in `/proc`). Either holds 32 bytes written as 64
/// hexadecimal digits or as 44 characters of base64 (standard or URL-safe alphabet, padding optional); spaces and
/// line ends around them are ignored. `openssl rand -hex 32` makes one.
///
/// The secret never prints: its `description`, `debugDescription` and mirror say only that it is redacted, and no
/// error message quotes it.
///
/// ```swift
/// let secret = try TractorSecret.load(file: configuration.secretFile)   // the file, else TRACTOR_SECRET
/// print(secret)                                                           // TractorSecret(256 bits, redacted)
/// ```
package struct TractorSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The environment variable read by ``fromEnvironment()``: `TRACTOR_SECRET`.
    package static let environmentVariable = "TRACTOR_SECRET"
    /// The length of a secret: 32 bytes.
    package static let byteCount = 32

    /// The secret's bytes. (Kept as bytes: a `SymmetricKey` is not `Sendable`; one is made for each handshake.)
    private let bytes: [UInt8]

    /// The key the authentication's HMAC-SHA256 uses.
    var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A secret of exactly 32 bytes.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when `bytes` is not 32 bytes long.
    package init(bytes: [UInt8]) throws(TractorError) {
        guard bytes.count == Self.byteCount else {
            throw TractorError(.invalidArgument, "a Tractor secret is \(Self.byteCount) bytes, not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A secret read from its text: 64 hexadecimal digits or 44 base64 characters, surrounding whitespace ignored.
    ///
    /// - Parameter source: Where the text came from, for the error message (which never quotes the text).
    /// - Throws: ``TractorError`` `.invalidArgument` when the text is neither.
    package init(encoded text: [UInt8], source: String) throws(TractorError) {
        let trimmed = text.drop { Self.isSpace($0) }.reversed().drop { Self.isSpace($0) }.reversed()
        let characters = Array(trimmed)
        let decoded = characters.count == 2 * Self.byteCount ? Hex.decode(bytes: characters) : Base64.decode(characters)
        guard let bytes = decoded, bytes.count == Self.byteCount else {
            throw TractorError(
                .invalidArgument,
                "\(source) does not hold a Tractor secret: it must be 32 bytes written as 64 hexadecimal digits or "
                    + "44 base64 characters (it has \(characters.count) characters); "
                    + "make one with `openssl rand -hex 32`"
            )
        }
        try self.init(bytes: bytes)
    }

    /// A new random secret, for a run to hand to the hosts it starts (through a file, the environment or a
    /// launcher's standard input).
    package static func random() -> TractorSecret {
        TractorSecret(unchecked: sys_random_bytes(byteCount))
    }

    /// A secret of bytes known to be 32.
    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The secret in `TRACTOR_SECRET`, or `nil` when the variable is not set.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when it is set but holds no secret.
    package static func fromEnvironment() throws(TractorError) -> TractorSecret? {
        guard let value = getenv(environmentVariable) else { return nil }
        let text = Array(UnsafeRawBufferPointer(start: value, count: strlen(value)))
        return try TractorSecret(encoded: text, source: "the \(environmentVariable) environment variable")
    }

    /// The secret in the file at `path`.
    ///
    /// The file must not be readable or writable by group or others (`chmod 600`), as ssh requires of a private key:
    /// a secret that other users can read authenticates nobody.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when the file cannot be read, is open to group or others, or
    ///   holds no secret.
    package init(contentsOfFile path: String) throws(TractorError) {
        let contents: (bytes: [UInt8], mode: mode_t)
        switch sys_read_small_file(path, limit: 4096) {
        case .success(let read): contents = read
        case .failure(let error):
            throw TractorError(.invalidArgument, "cannot read the secret file \(path): \(error)", cause: error)
        }
        guard contents.mode & 0o077 == 0 else {
            throw TractorError(
                .invalidArgument,
                "the secret file \(path) is readable or writable by other users (mode "
                    + "\(String(contents.mode & 0o777, radix: 8))); make it private with `chmod 600 \(path)`"
            )
        }
        try self.init(encoded: contents.bytes, source: "the secret file \(path)")
    }

    /// The secret of a run: from the file at `file` when one is given, otherwise from `TRACTOR_SECRET`.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when neither holds a secret, saying how to give one.
    package static func load(file: String?) throws(TractorError) -> TractorSecret {
        if let file { return try TractorSecret(contentsOfFile: file) }
        if let secret = try fromEnvironment() { return secret }
        throw TractorError(
            .invalidArgument,
            "TCP connections need the run's secret: set \(environmentVariable) (64 hexadecimal digits; "
                + "`openssl rand -hex 32` makes one) or name a file holding it in the configuration's secretFile; "
                + "never pass it on a command line"
        )
    }

    /// `secret` if there is one, else the secret ``load(file:)`` finds.
    package static func given(_ secret: TractorSecret?, else file: String?) throws(TractorError) -> TractorSecret {
        if let secret { return secret }
        return try load(file: file)
    }

    /// The secret as 64 hexadecimal digits, the form ``init(encoded:source:)`` reads: for handing it to a host
    /// being started (a file, its environment, its standard input).
    ///
    /// - Important: Never log it or put it on a command line.
    package func hexEncoded() -> String {
        Hex.encode(bytes)
    }

    /// `TractorSecret(256 bits, redacted)`: the secret itself never prints.
    package var description: String { "TractorSecret(256 bits, redacted)" }

    /// The same as ``description``.
    package var debugDescription: String { description }

    /// A mirror without children, so that `dump` and reflection show nothing of the key either.
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0d).contains(byte)
    }
}


/// Base64 decoding (RFC 4648, the standard and the URL-safe alphabets, padding optional), for the secret's text.
enum Base64 {
    /// The bytes `text` encodes, or `nil` if it is not base64.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var body = text[...]
        var padding = 0
        while body.last == UInt8(ascii: "="), padding < 2 {
            body = body.dropLast()
            padding += 1
        }
        guard body.count % 4 != 1, padding == 0 || (body.count + padding) % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(body.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in body {
            guard let value = sextet(character) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // The bits left over must be zero, as an encoder leaves them.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
