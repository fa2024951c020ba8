//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// The floor over the veth pair, without the framework: `floor-peer HOST PORT` in the namespace connects to a plain TCP
/// listener of this process, and echoes 8-byte messages with blocking reads and writes, Nagle's algorithm off on both
/// sides (as the runtime's TCP transport has it).
final class TCPFloorPeer {
    private let process: Process
    private let socket: CInt

    /// Listens on `network`'s head address, starts the peer in its namespace, and accepts its connection.
    init(in network: HostNetwork) throws {
        let listener = Glibc.socket(AF_INET, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw HostNetworkError(description: "socket failed: errno \(errno)") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, network.headAddress, &address.sin_addr) == 1 else {
            throw HostNetworkError(description: "bad address \(network.headAddress)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 1) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw HostNetworkError(description: "could not listen on \(network.headAddress): \(errno)") }
        let port = UInt16(bigEndian: address.sin_port)
        process = try network.start(HostNetwork.sibling("floor-peer"), [network.headAddress, "\(port)"])
        socket = accept(listener, nil, nil)
        guard socket >= 0 else { throw HostNetworkError(description: "accept failed: errno \(errno)") }
        var noDelay: CInt = 1
        _ = setsockopt(socket, CInt(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<CInt>.size))
    }

    /// Sends `value` and waits for the peer's answer.
    func ping(_ value: UInt64) -> UInt64 {
        var message = value
        let sent = withUnsafeBytes(of: &message) { write(socket, $0.baseAddress, 8) }
        precondition(sent == 8, "a write to the TCP floor peer failed")
        var read = 0
        while read < 8 {
            let count = withUnsafeMutableBytes(of: &message) { Glibc.read(socket, $0.baseAddress! + read, 8 - read) }
            precondition(count > 0, "the TCP floor peer closed its end")
            read += count
        }
        return message
    }

    /// Closes the connection (the peer exits at its end) and waits for the peer.
    func stop() {
        close(socket)
        process.waitUntilExit()
    }
}
