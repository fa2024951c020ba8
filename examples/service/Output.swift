//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Writes whole lines straight to standard output or standard error: at once, whatever the descriptor is (a pipe or
/// a file would buffer `print`), and in one `write` each, so that answers printed by concurrent tasks never mix.
enum Output {
    /// Writes `line` and a line end on standard output.
    static func line(_ line: String) {
        write(line + "\n", to: STDOUT_FILENO)
    }

    /// Writes `line` and a line end on standard error.
    static func error(_ line: String) {
        write(line + "\n", to: STDERR_FILENO)
    }

    private static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            // A reader that went away (EPIPE) or a full disk: nothing more can be said on that descriptor.
            guard written > 0 else { return }
            offset += written
        }
    }
}
