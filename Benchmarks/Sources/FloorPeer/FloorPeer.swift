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
    echoFloorMessages(input: 0, output: 1)
}

/// The same peer over TCP: connects to `host` (an IPv4 address) at `port`, with Nagle's algorithm off as the runtime's
/// TCP transport has it, and answers every 8-byte message on that connection with the same 8 bytes.
public func runFloorPeer(connectingTo host: String, port: UInt16) -> Never {
    let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), CInt(IPPROTO_TCP))
    guard fd >= 0 else { exit(2) }
    var noDelay: CInt = 1
    _ = setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<CInt>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { exit(2) }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { exit(3) }
    echoFloorMessages(input: fd, output: fd)
}

/// Answers every 8-byte message read from `input` with the same 8 bytes on `output`; exits at the end of the input.
private func echoFloorMessages(input: CInt, output: CInt) -> Never {
    var message: UInt64 = 0
    while true {
        var read = 0
        while read < 8 {
            let count = withUnsafeMutableBytes(of: &message) { Glibc.read(input, $0.baseAddress! + read, 8 - read) }
            if count == 0 { exit(0) }
            if count < 0 {
                if errno == EINTR { continue }
                exit(1)
            }
            read += count
        }
        var written = 0
        while written < 8 {
            let count = withUnsafeBytes(of: &message) { Glibc.write(output, $0.baseAddress! + written, 8 - written) }
            if count < 0 {
                if errno == EINTR { continue }
                exit(1)
            }
            written += count
        }
    }
}
