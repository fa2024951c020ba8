//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing
@testable import TractorRuntime

/// The transports the protocol tests run over: the same tests, the same assertions, whichever carries the bytes.
enum PeerTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// An in-memory pair in this process.
    case memory
    /// A TCP connection over IPv4 loopback (127.0.0.1), authenticated.
    case tcpIPv4
    /// A TCP connection over IPv6 loopback (::1), authenticated; the test is cancelled where ::1 is unavailable.
    case tcpIPv6

    var testDescription: String { rawValue }

    /// The loopback endpoint a TCP listener binds to, any port.
    var loopback: String? {
        switch self {
        case .memory: nil
        case .tcpIPv4: "127.0.0.1:0"
        case .tcpIPv6: "[::1]:0"
        }
    }

    /// Two connected channels: `client` is the end that connected.
    ///
    /// - Parameter capacity: For the in-memory pair, the bytes each direction holds; over TCP, below 64 KiB, the
    ///   size of both socket buffers (the kernel rounds it up to its minimum), so that large values cross in many
    ///   partial writes there too.
    func channelPair(capacity: Int, maximumFrameSize: Int) async throws -> (client: Channel, server: Channel) {
        guard let loopback else {
            let (a, b) = MemoryTransport.pair(capacity: capacity)
            return (
                Channel(transport: a, maximumFrameSize: maximumFrameSize),
                Channel(transport: b, maximumFrameSize: maximumFrameSize)
            )
        }
        var configuration = TCPConfiguration()
        if capacity < 1 << 16 {
            // Not below 16 KiB: far smaller receive windows on loopback (its MSS is 64 KiB) stall TCP for its delayed
            // acknowledgements and window probes, hundreds of milliseconds at a time.
            configuration.sendBufferSize = max(capacity, 16 << 10)
            configuration.receiveBufferSize = max(capacity, 16 << 10)
        }
        let secret = TractorSecret.random()
        let accepted = Recorder<Channel>()
        let listener = try await Self.listen(
            on: loopback, configuration: configuration, secret: secret, maximumFrameSize: maximumFrameSize
        ) { channel in
            accepted.record(channel)
        }
        defer { listener.close() }
        let client = try await TCPConnector.connect(
            to: TCPEndpoint(host: listener.address.host, port: listener.address.port),
            configuration: configuration, secret: secret, maximumFrameSize: maximumFrameSize
        )
        return (client, await accepted.value())
    }

    /// Binds a listener on `endpoint`; an IPv6 endpoint that cannot be bound because the host has no IPv6 loopback
    /// cancels the test with a message, rather than failing it.
    static func listen(
        on endpoint: String,
        configuration: TCPConfiguration = TCPConfiguration(),
        secret: TractorSecret,
        maximumFrameSize: Int = 1 << 20,
        onRefusal: @escaping @Sendable (TractorError) -> Void = { _ in },
        onAccept: @escaping @Sendable (Channel) -> Void
    ) async throws -> TCPListener {
        let bound: Result<TCPListener, TractorError>
        do {
            bound = .success(try await TCPListener.bind(
                to: TCPEndpoint(parsing: endpoint), configuration: configuration, secret: secret,
                maximumFrameSize: maximumFrameSize, onRefusal: onRefusal, onAccept: onAccept
            ))
        } catch {
            bound = .failure(error)
        }
        if case .failure(let error) = bound, endpoint.hasPrefix("["), Self.meansNoIPv6(error) {
            try Test.cancel("IPv6 loopback (::1) is unavailable on this host: \(error.message)")
        }
        return try bound.get()
    }

    private static func meansNoIPv6(_ error: TractorError) -> Bool {
        if let errno = error.cause as? Errno {
            return [EADDRNOTAVAIL, EAFNOSUPPORT, EPROTONOSUPPORT].contains(errno.rawValue)
        }
        // The resolver refused the address family.
        return error.code == .invalidArgument || error.code == .systemCallFailed
    }
}
