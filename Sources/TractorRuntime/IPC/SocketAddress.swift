//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// One resolved IPv4 or IPv6 socket address, as the kernel takes it: what ``TCPEndpoint/resolve(passive:)`` returns,
/// what a ``TCPListener`` is bound to and what a connection is made to.
///
/// It prints as `127.0.0.1:8080` or `[::1]:8080`, the form ``TCPEndpoint/init(parsing:)`` reads.
package struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    private let storage: sockaddr_storage
    private let length: socklen_t

    /// Wraps an address the kernel or the resolver filled in.
    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// `AF_INET` or `AF_INET6`.
    package var family: CInt { CInt(storage.ss_family) }

    /// Whether this is an IPv6 address.
    package var isIPv6: Bool { family == AF_INET6 }

    /// The port, in host byte order.
    package var port: UInt16 {
        withSockAddrIn(
            v4: { UInt16(bigEndian: $0.sin_port) },
            v6: { UInt16(bigEndian: $0.sin6_port) }
        )
    }

    /// The numeric host: `127.0.0.1`, `::1`. The corresponding C function is `inet_ntop`.
    package var host: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written: Bool = withSockAddrIn(
            v4: { address in
                var bytes = address.sin_addr
                return inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count)) != nil
            },
            v6: { address in
                var bytes = address.sin6_addr
                return inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count)) != nil
            }
        )
        guard written else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `HOST:PORT`, with an IPv6 host in brackets.
    package var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Calls `body` with the address as the socket calls take it.
    func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    private func withSockAddrIn<T>(v4: (sockaddr_in) -> T, v6: (sockaddr_in6) -> T) -> T {
        withUnsafeBytes(of: storage) { raw in
            isIPv6 ? v6(raw.loadUnaligned(as: sockaddr_in6.self)) : v4(raw.loadUnaligned(as: sockaddr_in.self))
        }
    }

    package static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.length == rhs.length && lhs.bytes == rhs.bytes
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }

    /// The meaningful bytes of the address.
    private var bytes: [UInt8] {
        withUnsafeBytes(of: storage) { Array($0.prefix(Int(length))) }
    }
}
