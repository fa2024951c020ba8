//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// The floor's peer: what a worker process must do and nothing more, with no framework — the Swift standard library
/// and the C library alone. Its figures are what the machine charges for a process and a round trip, measured in the
/// same run as ours (the `Floor` suite).
///
/// It answers every 8-byte message on its standard input with the same 8 bytes on its standard output, with blocking
/// reads and writes (one wake-up each way), and exits at the end of its input.
public func runFloorPeer() -> Never {
    var message: UInt64 = 0
    while true {
        var read = 0
        while read < 8 {
            let count = withUnsafeMutableBytes(of: &message) { Glibc.read(0, $0.baseAddress! + read, 8 - read) }
            if count == 0 { exit(0) }
            if count < 0 {
                if errno == EINTR { continue }
                exit(1)
            }
            read += count
        }
        var written = 0
        while written < 8 {
            let count = withUnsafeBytes(of: &message) { Glibc.write(1, $0.baseAddress! + written, 8 - written) }
            if count < 0 {
                if errno == EINTR { continue }
                exit(1)
            }
            written += count
        }
    }
}
