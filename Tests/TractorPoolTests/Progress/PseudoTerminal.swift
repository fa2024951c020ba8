//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import TractorPool

/// A pseudo-terminal for a test: the bar writes on its terminal side, the test reads what arrives on the other.
///
/// The terminal side is in raw mode (no `\n` → `\r\n`), so that what is read is exactly what was written, and is
/// `columns` wide (0: a terminal nobody has sized).
struct PseudoTerminal {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The controlling side, read by the test.
    let primary: CInt
    /// The terminal side, written by the bar.
    let secondary: CInt

    /// `TIOCSPTLCK` and `TIOCGPTN`, Linux's generic ioctl numbers. `posix_openpt`, `grantpt`, `unlockpt` and
    /// `ptsname` need feature macros that the Glibc module does not set, so this does what they do on Linux: open
    /// `/dev/ptmx`, unlock the terminal side (`TIOCSPTLCK`), read its number (`TIOCGPTN`) and open `/dev/pts/N`
    /// (with devpts, `grantpt` has nothing to do).
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    init(columns: UInt16) throws {
        let primary = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard primary >= 0 else { throw Failure(description: "open /dev/ptmx: errno \(errno)") }
        var unlock: CInt = 0
        var number: UInt32 = 0
        guard ioctl(primary, Self.unlockRequest, &unlock) == 0, ioctl(primary, Self.numberRequest, &number) == 0 else {
            Glibc.close(primary)
            throw Failure(description: "TIOCSPTLCK/TIOCGPTN: errno \(errno)")
        }
        let name = "/dev/pts/\(number)"
        let secondary = open(name, O_RDWR | O_NOCTTY)
        guard secondary >= 0 else {
            Glibc.close(primary)
            throw Failure(description: "open \(name): errno \(errno)")
        }
        var attributes = termios()
        tcgetattr(secondary, &attributes)
        cfmakeraw(&attributes)
        tcsetattr(secondary, TCSANOW, &attributes)
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(secondary, UInt(TIOCSWINSZ), &size) == 0 else {
            Glibc.close(secondary)
            Glibc.close(primary)
            throw Failure(description: "TIOCSWINSZ: errno \(errno)")
        }
        self.primary = primary
        self.secondary = secondary
    }

    /// A bar configuration that draws on the terminal side.
    var configuration: TerminalProgressBar.Configuration {
        var configuration = TerminalProgressBar.Configuration()
        configuration.fileDescriptor = secondary
        return configuration
    }

    /// Reads what was written until it ends with `suffix`, waiting for each piece at most 30 seconds (what was
    /// written reaches the other side a little later).
    func read(until suffix: String) throws -> String {
        var bytes: [UInt8] = []
        while !String(decoding: bytes, as: UTF8.self).hasSuffix(suffix) {
            let piece = try readPiece(timeoutMilliseconds: 30_000)
            guard !piece.isEmpty else {
                let text = String(decoding: bytes, as: UTF8.self)
                throw Failure(description: "no \(suffix.debugDescription) after \(text.debugDescription)")
            }
            bytes += piece
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What has arrived by now, waiting a little for it.
    func readAvailable() throws -> String {
        String(decoding: try readPiece(timeoutMilliseconds: 100), as: UTF8.self)
    }

    private func readPiece(timeoutMilliseconds: CInt) throws -> [UInt8] {
        var descriptor = pollfd(fd: primary, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        guard ready > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = Glibc.read(primary, &buffer, buffer.count)
        guard count >= 0 else { throw Failure(description: "read: errno \(errno)") }
        return Array(buffer.prefix(count))
    }

    func close() {
        Glibc.close(secondary)
        Glibc.close(primary)
    }
}
