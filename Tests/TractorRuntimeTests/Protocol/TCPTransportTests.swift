//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing
@_spi(Benchmarks) @testable import TractorRuntime

/// The TCP transport's own concerns: endpoints as people write them, the socket options the kernel holds, and how a
/// refused, reset or closed connection surfaces.
@Suite(.timeLimit(.minutes(1)))
struct TCPTransportTests {
    @Test(arguments: [
        ("127.0.0.1:7000", "127.0.0.1", 7000),
        ("head.cluster:0", "head.cluster", 0),
        ("[::1]:65535", "::1", 65535),
        ("[fe80::1%eth0]:22", "fe80::1%eth0", 22),
        ("localhost:080", "localhost", 80),
    ] as [(String, String, Int)])
    func endpointsParse(text: String, host: String, port: Int) throws {
        let endpoint = try TCPEndpoint(parsing: text)
        #expect(endpoint.host == host)
        #expect(Int(endpoint.port) == port)
    }

    @Test(arguments: [
        "", "7000", "head", "head:", ":7000", "head:70000", "head:-1", "head:7o", "head:+80", "::1:7000", "[::1]7000",
        "[::1", "[]:7000", "[10.0.0.1]:7000", "he ad:7000", "head/x:7000", "head:123456",
    ])
    func malformedEndpointsAreRefusedWithATypedError(text: String) {
        let error = #expect(throws: TractorError.self) { try TCPEndpoint(parsing: text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("HOST:PORT") == true)
    }

    @Test func endpointsPrintAsTheyParse() throws {
        #expect(try TCPEndpoint(parsing: "[::1]:7").description == "[::1]:7")
        #expect(try TCPEndpoint(parsing: "10.0.0.7:7").description == "10.0.0.7:7")
    }

    @Test func namesAndNumericAddressesResolve() async throws {
        let numeric = try await TCPEndpoint(parsing: "127.0.0.1:7000").resolve()
        #expect(numeric.map(\.description) == ["127.0.0.1:7000"])
        let localhost = try await TCPEndpoint(parsing: "localhost:7000").resolve()
        #expect(!localhost.isEmpty)
        #expect(localhost.allSatisfy { $0.host == "127.0.0.1" || $0.host == "::1" })
    }

    @Test(arguments: [PeerTransport.tcpIPv4, .tcpIPv6])
    func bothEndsCarryTheConfiguredSocketOptions(over transport: PeerTransport) async throws {
        try await ProcessTree.checkingLeaks {
            // Defaults on one pair; other values on another.
            var custom = TCPConfiguration()
            custom.keepaliveIdle = .seconds(7)
            custom.keepaliveInterval = .seconds(2)
            custom.keepaliveCount = 5
            custom.userTimeout = .milliseconds(2500)
            for configuration in [TCPConfiguration(), custom] {
                let (client, server) = try await pair(over: transport, configuration: configuration)
                for channel in [client, server] {
                    let socket = try #require(channel.transport as? SocketTransport)
                    let tcp = CInt(IPPROTO_TCP)
                    #expect(socket.socketOption(level: tcp, TCP_NODELAY) == 1)
                    #expect(socket.socketOption(level: SOL_SOCKET, SO_KEEPALIVE) == 1)
                    #expect(
                        socket.socketOption(level: tcp, TCP_KEEPIDLE)
                            == CInt(configuration.keepaliveIdle.components.seconds)
                    )
                    #expect(
                        socket.socketOption(level: tcp, TCP_KEEPINTVL)
                            == CInt(configuration.keepaliveInterval.components.seconds)
                    )
                    #expect(socket.socketOption(level: tcp, TCP_KEEPCNT) == CInt(configuration.keepaliveCount))
                    #expect(
                        socket.socketOption(level: tcp, TCP_USER_TIMEOUT)
                            == CInt(configuration.userTimeout.nanosecondsClamped / 1_000_000)
                    )
                }
                client.close()
                server.close()
            }
        }
    }

    @Test func aKeepaliveCountOutOfRangeIsRefused() async throws {
        var configuration = TCPConfiguration()
        configuration.keepaliveCount = 0
        let error = await #expect(throws: TractorError.self) {
            try await pair(over: .tcpIPv4, configuration: configuration)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func aRefusedConnectionNamesTheAddress() async throws {
        try await ProcessTree.checkingLeaks {
            // A port that was free a moment ago: bound, read, closed.
            let fd = try sys_socket_tcp(family: AF_INET)
            let loopback = try await TCPEndpoint(parsing: "127.0.0.1:0").resolve(passive: true)[0]
            try sys_bind_listen(fd, address: loopback)
            let address = try sys_getsockname(fd)
            sys_close(fd)
            let error = await #expect(throws: TractorError.self) {
                try await TCPConnector.connect(
                    to: TCPEndpoint(host: address.host, port: address.port), configuration: TCPConfiguration()
                )
            }
            #expect(error?.code == .systemCallFailed)
            #expect(error?.message.contains("\(address)") == true)
            #expect((error?.cause as? Errno)?.rawValue == ECONNREFUSED)
            let portZero = await #expect(throws: TractorError.self) {
                try await TCPConnector.connect(
                    to: TCPEndpoint(host: "127.0.0.1", port: 0), configuration: TCPConfiguration()
                )
            }
            #expect(portZero?.code == .invalidArgument)
        }
    }

    @Test func aConnectionThatHangsTimesOutAndCanBeCancelled() async throws {
        try await ProcessTree.checkingLeaks {
            // A listener with a backlog of one that never accepts: once one connection waits in its queue, the
            // kernel drops the next one's SYNs, and that connect hangs (on loopback, and only here).
            let fd = try sys_socket_tcp(family: AF_INET)
            defer { sys_close(fd) }
            let loopback = try await TCPEndpoint(parsing: "127.0.0.1:0").resolve(passive: true)[0]
            #expect(loopback.withSockAddr { bind(fd, $0, $1) } == 0)
            #expect(listen(fd, 0) == 0)
            let address = try sys_getsockname(fd)
            let endpoint = TCPEndpoint(host: address.host, port: address.port)
            var configuration = TCPConfiguration()
            configuration.connectTimeout = .milliseconds(300)
            var queued: [SocketTransport] = []
            var outcome: TractorError?
            // The first one or two fill the queue; a later one times out.
            for _ in 0..<4 where outcome == nil {
                do throws(TractorError) {
                    queued.append(try await TCPConnector.connect(to: endpoint, configuration: configuration))
                } catch {
                    outcome = error
                }
            }
            for transport in queued { transport.loop.execute { transport.close() } }
            #expect(outcome?.code == .timedOut)
            #expect(outcome?.message.contains("\(endpoint)") == true)

            configuration.connectTimeout = .seconds(60)
            let hanging = Task { try await TCPConnector.connect(to: endpoint, configuration: configuration) }
            hanging.cancel()
            let cancelled = await #expect(throws: TractorError.self) { try await hanging.value }
            #expect(cancelled?.code == .cancelled)
        }
    }

    @Test func anAddressInUseCannotBeListenedOnTwice() async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let first = try await PeerTransport.listen(on: "127.0.0.1:0", secret: secret) { _ in }
            defer { first.close() }
            let error = await #expect(throws: TractorError.self) {
                try await PeerTransport.listen(on: "\(first.address)", secret: secret) { _ in }
            }
            #expect((error?.cause as? Errno)?.rawValue == EADDRINUSE)
        }
    }

    @Test func aResetConnectionClosesItsChannelWithTheSameTypedErrorAsAUnixSocket() async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let accepted = Recorder<Channel>()
            let listener = try await PeerTransport.listen(on: "127.0.0.1:0", secret: secret) { accepted.record($0) }
            defer { listener.close() }
            let raw = try await RawPeer.connect(to: listener.address)
            #expect(await raw.authenticate(secret: secret).accepted)
            let server = await accepted.value()
            let closed = Recorder<TractorError>()
            server.attach(onMessage: { _ in }, onClose: { closed.record($0) })
            // Unread bytes on the server's side, then an abortive close: the server reads ECONNRESET.
            await raw.send([0, 0, 0, 1])
            await raw.close(reset: true)
            let reason = await closed.value()
            #expect(reason.code == .channelClosed)
            #expect(reason.message.contains("reset the connection"))
            #expect((reason.cause as? Errno)?.rawValue == ECONNRESET)
        }
    }

    @Test(arguments: [LoopbackPortal.unixSocket, .tcp])
    func theBenchmarksLoopbackPortalServesOverEitherSocket(loopback: LoopbackPortal) async throws {
        let echo = Job("echo") { (n: Int) in n }
        try await ProcessTree.checkingLeaks {
            let sum = try await LoopbackPortal.withPortal(over: loopback, serving: [echo]) { portal in
                var sum = 0
                for n in 1...100 { sum += try await portal.run(echo, n) }
                return sum
            }
            #expect(sum == 5050)
        }
    }

    private func pair(
        over transport: PeerTransport,
        configuration: TCPConfiguration
    ) async throws -> (client: Channel, server: Channel) {
        let secret = TractorSecret.random()
        let accepted = Recorder<Channel>()
        let listener = try await PeerTransport.listen(
            on: transport.loopback ?? "127.0.0.1:0", configuration: configuration, secret: secret
        ) { accepted.record($0) }
        defer { listener.close() }
        let client = try await TCPConnector.connect(
            to: TCPEndpoint(host: listener.address.host, port: listener.address.port), configuration: configuration,
            secret: secret, maximumFrameSize: 1 << 20
        )
        return (client, await accepted.value())
    }
}
