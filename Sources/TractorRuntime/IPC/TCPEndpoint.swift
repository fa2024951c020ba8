//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// A TCP endpoint as a person writes it: `HOST:PORT`, with an IPv6 host in brackets (`[::1]:7000`).
///
/// The host is a name (`head.cluster`, `localhost`) or a numeric address (`10.0.0.7`, `::1`); the port a decimal
/// number, 0 to 65535 (0, for a listener: any free port, which the listener then reports). Parsing checks the form
/// only; ``resolve(passive:)`` asks the resolver (`getaddrinfo`).
///
/// ```swift
/// let endpoint = try TCPEndpoint(parsing: "[::1]:0")
/// let addresses = try await endpoint.resolve(passive: true)   // [[::1]:0]
/// ```
package struct TCPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host: a name or a numeric address, without brackets.
    package var host: String
    /// The port, in host byte order.
    package var port: UInt16

    /// An endpoint from its parts.
    package init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT` or `[IPV6]:PORT`.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument`, naming what is wrong: no port, a port that is not a number
    ///   from 0 to 65535, an empty host, an IPv6 address without brackets, characters that no host name has.
    package init(parsing text: String) throws(TractorError) {
        func invalid(_ why: String) -> TractorError {
            TractorError(
                .invalidArgument,
                "'\(text)' is not a TCP endpoint: \(why); write HOST:PORT, or [IPV6]:PORT for an IPv6 address "
                    + "(such as 10.0.0.7:7000, head.cluster:7000, [::1]:7000)"
            )
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("the '[' is not closed") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("a port must follow the ']' after a ':'") }
            portText = rest.dropFirst()
            guard host.contains(":") else { throw invalid("brackets are for IPv6 addresses only") }
        } else {
            let colons = text.filter { $0 == ":" }.count
            guard colons > 0 else { throw invalid("it has no port") }
            guard colons == 1 else { throw invalid("an IPv6 address must be written in brackets") }
            let colon = text.firstIndex(of: ":")!
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw invalid("the host is empty") }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") }) else {
            throw invalid("the host has a character no host name or address has")
        }
        guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = UInt16(portText)
        else { throw invalid("the port must be a number from 0 to 65535") }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, with an IPv6 host in brackets.
    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The socket addresses of this endpoint, in the resolver's order.
    ///
    /// A numeric host is converted at once; a name is resolved by `getaddrinfo` on a thread of its own, since
    /// resolving may wait on the network and no wait happens on the cooperative pool.
    ///
    /// - Parameter passive: Addresses to listen on (`AI_PASSIVE`) rather than to connect to.
    /// - Throws: ``TractorError`` `.invalidArgument` when the resolver knows no such host (or it has no IPv4 or
    ///   IPv6 address); `.systemCallFailed` when resolving itself failed, or its thread could not start.
    package func resolve(passive: Bool = false) async throws(TractorError) -> [SocketAddress] {
        let numeric = sys_getaddrinfo(host: host, port: port, numericOnly: true, passive: passive)
        if case .success(let addresses) = numeric { return try nonEmpty(addresses) }
        let endpoint = self
        let resolved = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<[SocketAddress], TractorError>, Never>) in
            do throws(TractorError) {
                try sys_thread_start(name: "tractor-resolve") {
                    continuation.resume(returning: endpoint.resolveBlocking(passive: passive))
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try nonEmpty(try resolved.get())
    }

    /// Resolves a name with `getaddrinfo`, waiting as long as the resolver takes.
    private func resolveBlocking(passive: Bool) -> Result<[SocketAddress], TractorError> {
        switch sys_getaddrinfo(host: host, port: port, numericOnly: false, passive: passive) {
        case .success(let addresses):
            return .success(addresses)
        case .failure(let error) where error.code == EAI_NONAME || error.code == EAI_FAMILY:
            return .failure(TractorError(.invalidArgument, "the host of \(self) is unknown: \(error.text)"))
        case .failure(let error):
            return .failure(TractorError(.systemCallFailed, "getaddrinfo(\(self)) failed: \(error.text)"))
        }
    }

    private func nonEmpty(_ addresses: [SocketAddress]) throws(TractorError) -> [SocketAddress] {
        guard !addresses.isEmpty else {
            throw TractorError(.invalidArgument, "the host of \(self) has no IPv4 or IPv6 address")
        }
        return addresses
    }
}
