//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization
import Testing
@testable import TractorRuntime

/// A TCP connection driven by hand, as a faulty or hostile peer would drive it: bytes out as given, bytes in as they
/// come, and the end of the stream as an event to wait for. No authentication unless asked.
final class RawPeer: TransportHandler {
    let transport: SocketTransport
    private let state = Mutex<State>(State())

    /// What a waiter waits for: given the bytes received and whether the stream ended.
    typealias Condition = @Sendable ([UInt8], Bool) -> Bool

    struct State: ~Copyable {
        var received: [UInt8] = []
        var ended = false
        var waiters: [(condition: Condition, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private init(transport: SocketTransport) {
        self.transport = transport
    }

    /// Connects to `address` without authenticating.
    static func connect(to address: SocketAddress) async throws -> RawPeer {
        let transport = try await TCPConnector.connect(
            to: TCPEndpoint(host: address.host, port: address.port), configuration: TCPConfiguration()
        )
        let peer = RawPeer(transport: transport)
        transport.start(peer)
        return peer
    }

    /// Writes all of `bytes` (small amounts, which the socket takes at once).
    func send(_ bytes: [UInt8]) async {
        let written = await onLoop { [transport] in
            var offset = 0
            while offset < bytes.count {
                guard case .wrote(let count) = bytes[offset...].withUnsafeBytes({ transport.write($0) }) else { break }
                offset += count
            }
            return offset
        }
        #expect(written == bytes.count, "the socket took \(written) of \(bytes.count) bytes")
    }

    /// Waits until `count` bytes have arrived (or the stream ended); returns what arrived.
    func received(atLeast count: Int) async -> [UInt8] {
        await wait { received, ended in ended || received.count >= count }
    }

    /// Waits for the end of the stream; returns everything that arrived before it.
    func waitForEnd() async -> [UInt8] {
        await wait { _, ended in ended }
    }

    /// Authenticates as the connector with `secret`; returns every byte this end sent, and whether the peer accepted.
    func authenticate(secret: TractorSecret) async -> (sent: [UInt8], accepted: Bool) {
        var machine = AuthenticationStateMachine(
            role: .connector, secret: secret, version: tractorWireVersion, nonce: sys_random_bytes(32)
        )
        var sent = machine.start().send
        await send(sent)
        var consumed = 0
        while machine.wanted > 0 {
            let wanted = machine.wanted
            let arrived = await received(atLeast: consumed + wanted)
            guard arrived.count >= consumed + wanted else { return (sent, false) }
            let action = machine.receive(arrived[consumed..<(consumed + wanted)])
            consumed += wanted
            await send(action.send)
            sent += action.send
            if case .authenticated? = action.outcome { return (sent, true) }
            if action.outcome != nil { return (sent, false) }
        }
        return (sent, false)
    }

    /// Closes the connection; with `reset`, abortively (`SO_LINGER` 0: the peer reads `ECONNRESET`).
    func close(reset: Bool = false) async {
        await onLoop { [transport] in
            if reset {
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                _ = setsockopt(transport.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            transport.close()
        }
    }

    func transportReadable() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let read = buffer.withUnsafeMutableBytes { transport.read(into: $0) }
            switch read {
            case .bytes(let count):
                update { $0.received += buffer[0..<count] }
            case .wouldBlock:
                return
            case .endOfStream, .failed:
                update { $0.ended = true }
                // Level-triggered: a socket at its end stays readable; stop watching it.
                transport.close()
                return
            }
        }
    }

    func transportWritable() {}

    private func update(_ change: (inout State) -> Void) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            change(&state)
            let received = state.received
            let ended = state.ended
            let ready = state.waiters.filter { $0.condition(received, ended) }.map(\.continuation)
            state.waiters.removeAll { $0.condition(received, ended) }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    private func wait(until condition: @escaping @Sendable ([UInt8], Bool) -> Bool) async -> [UInt8] {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let met = state.withLock { state -> Bool in
                if condition(state.received, state.ended) { return true }
                state.waiters.append((condition, continuation))
                return false
            }
            if met { continuation.resume() }
        }
        return state.withLock { $0.received }
    }

    private func onLoop<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            transport.loop.execute { continuation.resume(returning: work()) }
        }
    }
}
