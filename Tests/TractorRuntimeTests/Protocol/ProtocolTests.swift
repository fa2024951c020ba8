//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorRuntime

/// The protocol between two connections, over each ``PeerTransport`` (an in-memory pair, authenticated TCP loopback
/// over IPv4 and IPv6): handshake, calls, streams with credit, contexts, cancellation, bad frames, large and small
/// values and a peer closing mid-call. No process is spawned.
@Suite(.timeLimit(.minutes(1)))
struct ProtocolTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    static let echo = Job("echo") { (n: Int) in n }
    static let fail = Job("fail") { (_: Int) -> Int in throw Boom() }

    @Test(arguments: PeerTransport.allCases)
    func handshakeExchangesHelloAndCookie(over transport: PeerTransport) async throws {
        let peers = try await InMemoryPeers.connect(serving: [], over: transport)
        #expect(peers.client.remote == InMemoryPeers.serverID)
        #expect(peers.server.remote == InMemoryPeers.clientID)
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func callReturnsItsResult(over transport: PeerTransport) async throws {
        let peers = try await InMemoryPeers.connect(serving: [Self.echo], over: transport)
        for n in [0, 1, -7, .max] {
            #expect(try await peers.portal.run(Self.echo, n) == n)
        }
        // Calls in flight together are told apart by their call ids.
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<50 { group.addTask { try await peers.portal.run(Self.echo, n) } }
            return try await group.reduce(0, +)
        }
        #expect(sums == (0..<50).reduce(0, +))
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func callErrorsAndUnknownJobsComeBackAsErrors(over transport: PeerTransport) async throws {
        let peers = try await InMemoryPeers.connect(serving: [Self.fail], over: transport)
        let error = await #expect(throws: RemoteActorError.self) { try await peers.portal.run(Self.fail, 1) }
        #expect(error?.message.contains("boom") == true)
        #expect(error?.source == InMemoryPeers.serverID)
        let unknown = await #expect(throws: RemoteActorError.self) { try await peers.portal.run(Self.echo, 1) }
        #expect(unknown?.message.contains("does not serve a job named 'echo'") == true)
        // The connection is still usable after both.
        await #expect(throws: RemoteActorError.self) { try await peers.portal.run(Self.fail, 2) }
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func largeValuesCrossASmallTransportInPartialWrites(over transport: PeerTransport) async throws {
        let reverse = Job("reverse") { (bytes: [UInt8]) in Array(bytes.reversed()) }
        // 512 bytes of room each way: a 300 KB value leaves in hundreds of partial writes, driven by writability.
        let peers = try await InMemoryPeers.connect(serving: [reverse], capacity: 512, over: transport)
        let value = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(try await peers.portal.run(reverse, value) == value.reversed())
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func messagesOfOneMebibyteAndOfOneByteCrossInBothDirections(over transport: PeerTransport) async throws {
        let reverse = Job("reverse") { (bytes: [UInt8]) in Array(bytes.reversed()) }
        let blobs = StreamJob("blobs") { (count: Int, writer: StreamWriter<[UInt8]>) in
            for n in 0..<count {
                try await writer.send([UInt8](repeating: UInt8(truncatingIfNeeded: n), count: n % 2 == 0 ? 1 << 20 : 1))
            }
        }
        let peers = try await InMemoryPeers.connect(
            serving: [reverse, blobs], maximumFrameSize: 4 << 20, over: transport
        )
        let mebibyte = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try await peers.portal.run(reverse, mebibyte) == mebibyte.reversed())
        #expect(try await peers.portal.run(reverse, [42]) == [42])
        let sizes = try await peers.portal.openStream(blobs, 8) { stream in
            var sizes: [Int] = []
            for try await blob in stream {
                #expect(blob.allSatisfy { $0 == UInt8(sizes.count) })
                sizes.append(blob.count)
            }
            return sizes
        }
        #expect(sizes == [1 << 20, 1, 1 << 20, 1, 1 << 20, 1, 1 << 20, 1])
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func streamCreditHoldsAFastProducer(over transport: PeerTransport) async throws {
        let produced = Atomic<Int>(0)
        let total = 2_000
        let counting = StreamJob("counting") { (count: Int, writer: StreamWriter<Int>) in
            for n in 0..<count {
                try await writer.send(n)
                produced.add(1, ordering: .relaxed)
            }
        }
        let peers = try await InMemoryPeers.connect(serving: [counting], over: transport)
        let window = 8
        var received: [Int] = []
        try await peers.portal.openStream(counting, total, window: window) { stream in
            for try await n in stream {
                received.append(n)
                // The producer never runs ahead of the consumer by more than the credit it was granted.
                #expect(produced.load(ordering: .relaxed) <= received.count + window)
                if received.count % 100 == 0 { await Task.yield() }
            }
        }
        #expect(received == Array(0..<total))
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func concurrentStreamsAndCallsOverATinyTransportKeepEachStreamInOrder(over transport: PeerTransport) async throws {
        let counting = StreamJob("counting") { (count: Int, writer: StreamWriter<Int>) in
            for n in 0..<count { try await writer.send(n) }
        }
        // 256 bytes of room each way: writers on many threads and the loop hand the queue to one another constantly.
        let peers = try await InMemoryPeers.connect(serving: [counting, Self.echo], capacity: 256, over: transport)
        let total = 3_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in 0..<6 {
                group.addTask {
                    let received = try await peers.portal.openStream(counting, total, window: 16 << stream) { stream in
                        var received: [Int] = []
                        for try await n in stream { received.append(n) }
                        return received
                    }
                    #expect(received == Array(0..<total))
                }
            }
            group.addTask {
                for n in 0..<200 {
                    let echoed = try await peers.portal.run(Self.echo, n)
                    #expect(echoed == n)
                }
            }
            try await group.waitForAll()
        }
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func contextTalksBothWays(over transport: PeerTransport) async throws {
        let doubler = ContextJob("doubler") { (first: Int, context: JobContext<Int, Int, Int>) -> Int in
            let stream = try await context.started(first)
            var count = 0
            for try await n in stream {
                try await stream.send(n * 2)
                count += 1
            }
            return count
        }
        let peers = try await InMemoryPeers.connect(serving: [doubler], over: transport)
        let replies = try await peers.portal.openContext(doubler, 5) { context, started in
            #expect(started == 5)
            var replies: [Int] = []
            var iterator = context.stream.makeAsyncIterator()
            for n in 0..<100 {
                try await context.stream.send(n)
                if let reply = try await iterator.next() { replies.append(reply) }
            }
            context.stream.finish()
            #expect(try await context.result() == 100)
            return replies
        }
        #expect(replies == (0..<100).map { $0 * 2 })
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func cancellingACallCancelsTheServedJob(over transport: PeerTransport) async throws {
        let events = Recorder<String>()
        let sleeper = Self.sleeper(recordingTo: events)
        let peers = try await InMemoryPeers.connect(serving: [sleeper, Self.echo], over: transport)
        let call = Task { try await peers.portal.run(sleeper, 0) }
        #expect(await events.value(at: 0) == "started")
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(await events.value(at: 1) == "cancelled")
        // The connection goes on serving.
        #expect(try await peers.portal.run(Self.echo, 3) == 3)
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases)
    func peerClosingMidCallFailsTheCallAndCancelsWhatItServed(over transport: PeerTransport) async throws {
        let events = Recorder<String>()
        let sleeper = Self.sleeper(recordingTo: events)
        let peers = try await InMemoryPeers.connect(serving: [sleeper], over: transport)
        let call = Task { try await peers.portal.run(sleeper, 0) }
        #expect(await events.value(at: 0) == "started")
        peers.client.channel.injectDisconnection()
        let error = await #expect(throws: TractorError.self) { try await call.value }
        #expect(error?.code == .channelClosed)
        // The server read the end of the stream: its connection closed and the job it served was cancelled.
        #expect(await peers.serverClosed.value().code == .channelClosed)
        #expect(await events.value(at: 1) == "cancelled")
        await peers.close()
    }

    @Test(arguments: PeerTransport.allCases, [
        ([0, 0, 0, 3, 0xc1, 0xc1, 0xc1] as [UInt8], TractorError.Code.malformedData),
        ([0x7f, 0xff, 0xff, 0xff, 0] as [UInt8], TractorError.Code.frameTooLarge),
    ])
    func aBadFrameClosesOnlyItsConnectionWithATypedError(
        over transport: PeerTransport,
        bad: (frame: [UInt8], code: TractorError.Code)
    ) async throws {
        let (frame, code) = bad
        let peers = try await InMemoryPeers.connect(serving: [Self.echo], over: transport)
        let bystander = try await InMemoryPeers.connect(serving: [Self.echo], over: transport)
        // Raw bytes, as a faulty or hostile peer would send them.
        peers.client.channel.complete(try peers.client.channel.enqueue(frames: frame))
        let reason = await peers.serverClosed.value()
        #expect(reason.code == code)
        // The sender hears the end of its connection; its later calls fail at once.
        #expect(await peers.clientClosed.value().code == .channelClosed)
        await #expect(throws: TractorError.self) { try await peers.portal.run(Self.echo, 1) }
        // Another connection is untouched.
        #expect(try await bystander.portal.run(Self.echo, 9) == 9)
        await peers.close()
        await bystander.close()
    }

    /// A job that sleeps for an hour, recording "started" and, when cancelled, "cancelled".
    static func sleeper(recordingTo events: Recorder<String>) -> Job<Int, Int> {
        Job("sleeper") { (_: Int) -> Int in
            events.record("started")
            do {
                try await Task.sleep(for: .seconds(3_600))
            } catch {
                events.record("cancelled")
                throw error
            }
            return 0
        }
    }
}
