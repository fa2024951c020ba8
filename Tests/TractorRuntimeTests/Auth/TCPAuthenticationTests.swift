//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing
import TractorTestSupport
@testable import TractorRuntime

/// Authentication over real TCP connections on loopback: the right secret is served, a wrong one is refused from
/// either end, a replayed conversation, garbage and silence are refused, and none of it disturbs a connection that
/// authenticated.
@Suite(.timeLimit(.minutes(2)))
struct TCPAuthenticationTests {
    /// The registry's lookup, which every root serves: a job to call over an authenticated connection.
    static let find = Job("tractor.registry.find") { (_: String) -> [RegistryEntry] in [] }

    /// A listener whose refusals are recorded.
    struct Server {
        let listener: TCPListener
        let accepted: Recorder<Channel>
        let refused: Recorder<TractorError>

        static func start(
            secret: TractorSecret,
            configuration: TCPConfiguration = TCPConfiguration()
        ) async throws -> Server {
            let accepted = Recorder<Channel>()
            let refused = Recorder<TractorError>()
            let listener = try await PeerTransport.listen(
                on: "127.0.0.1:0", configuration: configuration, secret: secret,
                onRefusal: { refused.record($0) }, onAccept: { accepted.record($0) }
            )
            return Server(listener: listener, accepted: accepted, refused: refused)
        }

        var endpoint: TCPEndpoint { TCPEndpoint(host: listener.address.host, port: listener.address.port) }

        /// Stops listening and closes the connections accepted.
        func close() {
            listener.close()
            for channel in accepted.values { channel.close() }
        }
    }

    @Test func theRightSecretConnectsAndIsServedByTheRuntime() async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let peers = Recorder<ActorID>()
            let runtime = ActorRuntime.shared
            let listener = try await runtime.listenTCP(on: "127.0.0.1:0", secret: secret) { peers.record($0.remote) }
            defer { listener.close() }
            #expect(listener.address.port != 0)
            let connection = try await runtime.connectTCP(to: "\(listener.address)", secret: secret)
            defer { connection.channel.close() }
            #expect(connection.remote == runtime.identity)
            #expect(await peers.value() == runtime.identity)
            let entries = try await Portal(connection: connection, child: nil).run(Self.find, "root")
            #expect(entries.contains { $0.actor == runtime.identity })
        }
    }

    @Test func aConnectorWithAnotherSecretIsRefusedAndRefusesTheListener() async throws {
        try await ProcessTree.checkingLeaks {
            let server = try await Server.start(secret: .random())
            defer { server.close() }
            let error = await #expect(throws: TractorError.self) {
                try await TCPConnector.connect(
                    to: server.endpoint, configuration: TCPConfiguration(), secret: .random(), maximumFrameSize: 1 << 20
                )
            }
            // The connector finds that the listener cannot prove it holds the connector's secret, and hangs up.
            #expect(error?.code == .handshakeFailed)
            #expect(error?.message.contains("different secrets") == true)
            #expect(await server.refused.value().code == .handshakeFailed)
            #expect(server.accepted.values.isEmpty)
        }
    }

    @Test func aConnectorThatCannotProveItsSecretIsRefusedBeforeAnyFrame() async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let server = try await Server.start(secret: secret)
            defer { server.close() }
            let raw = try await RawPeer.connect(to: server.listener.address)
            // A peer that ignores the listener's proof and answers with one made from a wrong secret.
            let nonce = sys_random_bytes(32)
            await raw.send(AuthenticationStateMachine.magic + [0, 0, 0, UInt8(tractorWireVersion)] + nonce)
            let challenge = await raw.received(atLeast: AuthenticationStateMachine.challengeSize)
            let forged = AuthenticationStateMachine.proof(
                role: .connector, secret: .random(), version: tractorWireVersion, connectorNonce: nonce,
                acceptorNonce: Array(challenge[8..<40])
            )
            // A frame right behind the forged proof: it must never be read.
            await raw.send(forged + [0, 0, 0, 1, 0x90])
            #expect(await raw.waitForEnd().count == AuthenticationStateMachine.challengeSize)
            let refusal = await server.refused.value()
            #expect(refusal.message.contains("did not prove"))
            #expect(server.accepted.values.isEmpty)
        }
    }

    @Test func replayingARecordedConversationIsRefused() async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let server = try await Server.start(secret: secret)
            defer { server.close() }
            let first = try await RawPeer.connect(to: server.listener.address)
            let (recorded, accepted) = await first.authenticate(secret: secret)
            #expect(accepted)
            _ = await server.accepted.value()
            // The same bytes on a new connection: the listener's nonce is new, so the recorded proof is not its answer.
            let replay = try await RawPeer.connect(to: server.listener.address)
            await replay.send(recorded)
            let received = await replay.waitForEnd()
            #expect(received.count == AuthenticationStateMachine.challengeSize)
            #expect(await server.refused.value().message.contains("replayed"))
            #expect(server.accepted.values.count == 1)
            await first.close()
        }
    }

    static let garbage: [(String, [UInt8])] = [
        ("random bytes", (0..<4096).map { _ in UInt8.random(in: 0...255) }),
        ("an HTTP request", Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.0\r\n\r\n".utf8)),
        ("a huge length prefix", [0x7f, 0xff, 0xff, 0xff] + [UInt8](repeating: 0x41, count: 64)),
        ("a frame before authenticating", [0, 0, 0, 3, 0x93, 0, 0]),
    ]

    @Test(arguments: garbage)
    func garbageIsRefusedWhileAnAuthenticatedConnectionKeepsWorking(what: String, bytes: [UInt8]) async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let runtime = ActorRuntime.shared
            let log = LogCapture()
            var configuration = TCPConfiguration()
            configuration.logger = log.logger
            let listener = try await runtime.listenTCP(on: "127.0.0.1:0", configuration: configuration, secret: secret)
            defer { listener.close() }
            let bystander = try await runtime.connectTCP(to: "\(listener.address)", secret: secret)
            defer { bystander.channel.close() }
            let portal = Portal(connection: bystander, child: nil)
            #expect(try await !portal.run(Self.find, "root").isEmpty)
            let raws = try await withThrowingTaskGroup(of: [UInt8].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let raw = try await RawPeer.connect(to: listener.address)
                        await raw.send(bytes)
                        return await raw.waitForEnd()
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Each was closed without an answer; the authenticated connection goes on.
            #expect(raws.allSatisfy { $0.isEmpty }, "\(what) got an answer")
            #expect(try await !portal.run(Self.find, "root").isEmpty)
            #expect(!bystander.channel.isClosed)
            // Each refusal was logged, saying why, and never with the secret.
            #expect(log.lines.filter { $0.message.contains("not a Tractor host") }.count == 4)
            #expect(log.unexpected(allowing: ["not a Tractor host"]).isEmpty)
            #expect(!log.lines.contains { $0.message.contains(secret.hexEncoded()) })
        }
    }

    @Test func aSilentPeerIsDroppedAtTheDeadline() async throws {
        try await ProcessTree.checkingLeaks {
            var configuration = TCPConfiguration()
            configuration.authenticationTimeout = .milliseconds(200)
            let server = try await Server.start(secret: .random(), configuration: configuration)
            defer { server.close() }
            let silent = try await RawPeer.connect(to: server.listener.address)
            #expect(await silent.waitForEnd().isEmpty)
            let refusal = await server.refused.value()
            #expect(refusal.code == .handshakeFailed)
            #expect(refusal.message.contains("within"))
        }
    }

    @Test(arguments: [false, true])
    func anAuthenticatedPeerThatDoesNotSayHelloFirstIsDropped(sendsAnotherMessage: Bool) async throws {
        try await ProcessTree.checkingLeaks {
            let secret = TractorSecret.random()
            let log = LogCapture()
            var configuration = TCPConfiguration()
            configuration.authenticationTimeout = .milliseconds(200)
            configuration.logger = log.logger
            let peers = Recorder<ActorID>()
            let listener = try await ActorRuntime.shared.listenTCP(
                on: "127.0.0.1:0", configuration: configuration, secret: secret
            ) { peers.record($0.remote) }
            defer { listener.close() }
            let raw = try await RawPeer.connect(to: listener.address)
            #expect(await raw.authenticate(secret: secret).accepted)
            if sendsAnotherMessage {
                var frame: [UInt8] = []
                try Message.stop(cid: 1).encodeFrame(into: &frame)
                await raw.send(frame)
            }
            // Closed without a hello in answer (after the 4-byte verdict), and never served.
            #expect(await raw.waitForEnd().count == AuthenticationStateMachine.challengeSize + 4)
            #expect(peers.values.isEmpty)
            // The refusal is logged just after the connection is closed.
            let why = sendsAnotherMessage ? "not hello" : "no answer"
            #expect(await ProcessInspection.eventually(within: .seconds(30)) {
                log.lines.contains { $0.message.contains(why) }
            })
        }
    }

    @Test func aSilentListenerIsGivenUpAtTheDeadline() async throws {
        try await ProcessTree.checkingLeaks {
            // A socket that listens and never accepts: the kernel completes connections, nobody answers.
            let fd = try sys_socket_tcp(family: AF_INET)
            defer { sys_close(fd) }
            let loopback = try await TCPEndpoint(parsing: "127.0.0.1:0").resolve(passive: true)[0]
            try sys_bind_listen(fd, address: loopback)
            let address = try sys_getsockname(fd)
            var configuration = TCPConfiguration()
            configuration.authenticationTimeout = .milliseconds(200)
            let error = await #expect(throws: TractorError.self) {
                try await TCPConnector.connect(
                    to: TCPEndpoint(host: address.host, port: address.port), configuration: configuration,
                    secret: .random(), maximumFrameSize: 1 << 20
                )
            }
            #expect(error?.code == .handshakeFailed)
            #expect(error?.message.contains("within") == true)
        }
    }

    @Test func connectionsBeyondThePendingLimitAreClosedAtOnce() async throws {
        try await ProcessTree.checkingLeaks {
            var configuration = TCPConfiguration()
            configuration.maximumPendingAuthentications = 1
            let secret = TractorSecret.random()
            let server = try await Server.start(secret: secret, configuration: configuration)
            defer { server.close() }
            let silent = try await RawPeer.connect(to: server.listener.address)
            let turnedAway = try await RawPeer.connect(to: server.listener.address)
            #expect(await turnedAway.waitForEnd().isEmpty)
            #expect(await server.refused.value().message.contains("authenticating already"))
            // Once the silent one is gone, the next is authenticated.
            await silent.close()
            _ = await server.refused.value(at: 1)
            let welcome = try await RawPeer.connect(to: server.listener.address)
            #expect(await welcome.authenticate(secret: secret).accepted)
            await welcome.close()
        }
    }
}
