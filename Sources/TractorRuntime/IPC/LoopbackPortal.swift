//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A portal on jobs served by this very process, over a real connection: a Unix socket, or a TCP loopback connection
/// that authenticates as one between hosts does. Both ends run on this process's I/O thread.
///
/// Not API: it exists so that the benchmark package can time one transport against the other with everything else
/// equal (no second process, no scheduling of another program). It is `@_spi(Benchmarks)`.
///
/// ```swift
/// @_spi(Benchmarks) import TractorRuntime
///
/// let echoed = try await LoopbackPortal.withPortal(over: .tcp, serving: [echo]) { portal in
///     try await portal.run(echo, 42)
/// }
/// ```
@_spi(Benchmarks) public struct LoopbackPortal: Sendable {
    private enum Kind: Sendable { case unixSocket, tcp }
    private let kind: Kind

    /// A Unix stream socket in the runtime's private directory.
    public static var unixSocket: LoopbackPortal { LoopbackPortal(kind: .unixSocket) }
    /// A TCP connection on 127.0.0.1, authenticated with a fresh secret, with the default socket options.
    public static var tcp: LoopbackPortal { LoopbackPortal(kind: .tcp) }

    /// Runs `body` with a portal whose calls `jobs` serve, in this process, over the connection `loopback` makes.
    /// The connection is closed, and the jobs it served have ended, when this returns.
    ///
    /// - Throws: ``TractorError`` when the connection cannot be made; whatever `body` throws.
    public static func withPortal<Result: Sendable>(
        over loopback: LoopbackPortal,
        serving jobs: [any JobDefinition],
        _ body: (Portal) async throws -> Result
    ) async throws -> Result {
        let runtime = ActorRuntime.shared
        try runtime.requireRunning()
        let table = JobTable(
            actor: runtime.identity,
            jobs: Dictionary(try jobs.map { ($0.name, try $0.erased()) }, uniquingKeysWith: { first, _ in first })
        )
        let (client, server) = try await loopback.channelPair(in: runtime)
        let serving = PeerConnection(
            channel: server, local: runtime.identity, remote: runtime.identity, initiator: false, server: table
        )
        let calling = PeerConnection(
            channel: client, local: runtime.identity, remote: runtime.identity, initiator: true, server: nil
        )
        defer {
            client.close()
            server.close()
        }
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(Portal(connection: calling, child: nil)))
        } catch {
            result = .failure(error)
        }
        serving.cancelServed()
        await serving.waitForServed()
        return try result.get()
    }

    /// Two connected channels: the end that connected, and the end that accepted.
    private func channelPair(in runtime: ActorRuntime) async throws -> (Channel, Channel) {
        let frameSize = runtime.configuration.maximumFrameSize
        let (stream, continuation) = AsyncStream.makeStream(of: Channel.self)
        switch kind {
        case .unixSocket:
            let path = runtime.socketDirectory + "/loopback-" + Hex.encode(sys_random_bytes(4)) + ".sock"
            let listener = try Listener(path: path, maximumFrameSize: frameSize) { continuation.yield($0) }
            defer { listener.close() }
            let client = try Channel.connect(to: path, maximumFrameSize: frameSize)
            return (client, try await first(of: stream, closing: client))
        case .tcp:
            let secret = TractorSecret.random()
            let configuration = TCPConfiguration()
            let listener = try await TCPListener.bind(
                to: TCPEndpoint(host: "127.0.0.1", port: 0), configuration: configuration, secret: secret,
                maximumFrameSize: frameSize
            ) { continuation.yield($0) }
            defer { listener.close() }
            let client = try await TCPConnector.connect(
                to: TCPEndpoint(host: "127.0.0.1", port: listener.address.port), configuration: configuration,
                secret: secret, maximumFrameSize: frameSize
            )
            return (client, try await first(of: stream, closing: client))
        }
    }

    /// The first channel accepted.
    private func first(of stream: AsyncStream<Channel>, closing client: Channel) async throws -> Channel {
        for await channel in stream { return channel }
        client.close()
        throw TractorError(.channelClosed, "the loopback listener accepted no connection")
    }
}
