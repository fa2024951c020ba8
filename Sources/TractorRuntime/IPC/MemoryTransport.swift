//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// One end of a connected pair of in-memory transports: what one end writes, the other reads, in order.
///
/// Readiness is reported through the ``IOLoop`` like a socket's, level-triggered, so a ``Channel`` above behaves as it
/// does over a socket. Each direction holds at most `capacity` unread bytes: a writer beyond that gets a partial write
/// or ``TransportWrite/wouldBlock`` and hears when the reader has made room, so back pressure and partial writes can be
/// exercised without a process. Closing one end is the end of the stream for the other, after what was written.
///
/// ```swift
/// let (a, b) = MemoryTransport.pair(capacity: 4096)
/// let client = Channel(transport: a, maximumFrameSize: 1 << 20)
/// let server = Channel(transport: b, maximumFrameSize: 1 << 20)
/// ```
package final class MemoryTransport: Transport {
    package let loop: IOLoop
    private let pipe: MemoryPipe
    private let side: Int

    private init(pipe: MemoryPipe, side: Int, loop: IOLoop) {
        self.pipe = pipe
        self.side = side
        self.loop = loop
    }

    /// Two connected ends, each direction holding at most `capacity` unread bytes.
    package static func pair(capacity: Int = 1 << 16, loop: IOLoop = .shared) -> (MemoryTransport, MemoryTransport) {
        let pipe = MemoryPipe(capacity: Swift.max(1, capacity), loop: loop)
        return (MemoryTransport(pipe: pipe, side: 0, loop: loop), MemoryTransport(pipe: pipe, side: 1, loop: loop))
    }

    package func start(_ handler: any TransportHandler) { pipe.start(side, handler) }
    package func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportRead { pipe.read(side, into: buffer) }
    package func write(_ bytes: UnsafeRawBufferPointer) -> TransportWrite { pipe.write(side, bytes) }
    package func setWritableInterest(_ interested: Bool) { pipe.setWritableInterest(side, interested) }
    package func close() { pipe.close(side) }

    /// Unread bytes waiting for this end.
    package var unreadByteCount: Int { pipe.unread(side) }
}

/// The state both ends of a ``MemoryTransport`` pair share, under one lock; readiness is delivered on the loop thread
/// with the lock released.
private final class MemoryPipe: Sendable {
    let capacity: Int
    let loop: IOLoop
    private let state: Mutex<State>

    private struct End {
        /// Bytes written by the other end for this one; `head` of them read already.
        var inbound: [UInt8] = []
        var head = 0
        var handler: (any TransportHandler)?
        var closed = false
        var writableInterest = false
        var readableScheduled = false
        var writableScheduled = false
        var unread: Int { inbound.count - head }
    }

    private struct State: ~Copyable {
        var ends = [End(), End()]
    }

    init(capacity: Int, loop: IOLoop) {
        self.capacity = capacity
        self.loop = loop
        self.state = Mutex(State())
    }

    private enum Notice { case readable(Int), writable(Int) }

    func start(_ side: Int, _ handler: any TransportHandler) {
        let notices = state.withLock { state -> [Notice] in
            guard !state.ends[side].closed else { return [] }
            state.ends[side].handler = handler
            return scheduleReadable(side, &state)
        }
        deliver(notices)
    }

    func unread(_ side: Int) -> Int { state.withLock { $0.ends[side].unread } }

    func write(_ side: Int, _ bytes: UnsafeRawBufferPointer) -> TransportWrite {
        let peer = 1 - side
        let (result, notices) = state.withLock { state -> (TransportWrite, [Notice]) in
            if state.ends[side].closed {
                return (.failed(TractorError(.channelClosed, "writing to a closed in-memory transport")), [])
            }
            if state.ends[peer].closed {
                return (.failed(TractorError(.channelClosed, "writing to the peer failed: it closed its end")), [])
            }
            let room = capacity - state.ends[peer].unread
            guard room > 0 else { return (.wouldBlock, []) }
            let count = Swift.min(room, bytes.count)
            if state.ends[peer].head > 0, state.ends[peer].head == state.ends[peer].inbound.count {
                state.ends[peer].inbound.removeAll(keepingCapacity: true)
                state.ends[peer].head = 0
            }
            state.ends[peer].inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
            return (.wrote(count), scheduleReadable(peer, &state))
        }
        deliver(notices)
        return result
    }

    func read(_ side: Int, into buffer: UnsafeMutableRawBufferPointer) -> TransportRead {
        let peer = 1 - side
        let (result, notices) = state.withLock { state -> (TransportRead, [Notice]) in
            let end = state.ends[side]
            guard end.unread > 0 else {
                return (state.ends[peer].closed || end.closed ? .endOfStream : .wouldBlock, [])
            }
            let count = Swift.min(end.unread, buffer.count)
            end.inbound.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[end.head..<(end.head + count)]))
            }
            state.ends[side].head += count
            if state.ends[side].unread == 0 {
                state.ends[side].inbound.removeAll(keepingCapacity: true)
                state.ends[side].head = 0
            }
            return (.bytes(count), scheduleWritable(peer, &state))
        }
        deliver(notices)
        return result
    }

    func setWritableInterest(_ side: Int, _ interested: Bool) {
        let notices = state.withLock { state -> [Notice] in
            state.ends[side].writableInterest = interested
            return scheduleWritable(side, &state)
        }
        deliver(notices)
    }

    func close(_ side: Int) {
        let notices = state.withLock { state -> [Notice] in
            guard !state.ends[side].closed else { return [] }
            state.ends[side].closed = true
            state.ends[side].handler = nil
            state.ends[side].inbound = []
            state.ends[side].head = 0
            // The peer reads the end of the stream, and a writer waiting for room hears that it will get none.
            return scheduleReadable(1 - side, &state) + scheduleWritable(1 - side, &state)
        }
        deliver(notices)
    }

    /// Schedules a readable notice for `side` if it has something to read and none is pending.
    private func scheduleReadable(_ side: Int, _ state: inout State) -> [Notice] {
        let end = state.ends[side]
        guard end.handler != nil, !end.closed, !end.readableScheduled,
            end.unread > 0 || state.ends[1 - side].closed
        else { return [] }
        state.ends[side].readableScheduled = true
        return [.readable(side)]
    }

    /// Schedules a writable notice for `side` if it wants one, can write (or learn that it cannot), and none is
    /// pending.
    private func scheduleWritable(_ side: Int, _ state: inout State) -> [Notice] {
        let end = state.ends[side]
        let peer = state.ends[1 - side]
        guard end.handler != nil, !end.closed, end.writableInterest, !end.writableScheduled,
            peer.closed || peer.unread < capacity
        else { return [] }
        state.ends[side].writableScheduled = true
        return [.writable(side)]
    }

    private func deliver(_ notices: [Notice]) {
        for notice in notices {
            loop.execute { [self] in fire(notice) }
        }
    }

    /// Delivers one notice on the loop thread, then schedules the next while the condition holds (level-triggered).
    private func fire(_ notice: Notice) {
        switch notice {
        case .readable(let side):
            let handler = state.withLock { state -> (any TransportHandler)? in
                state.ends[side].readableScheduled = false
                return state.ends[side].closed ? nil : state.ends[side].handler
            }
            handler?.transportReadable()
            // Still unread bytes (the handler reads in bounded rounds): tell it again, as epoll would.
            deliver(state.withLock { state in
                state.ends[side].unread > 0 ? scheduleReadable(side, &state) : []
            })
        case .writable(let side):
            let handler = state.withLock { state -> (any TransportHandler)? in
                state.ends[side].writableScheduled = false
                let end = state.ends[side]
                return end.closed || !end.writableInterest ? nil : end.handler
            }
            handler?.transportWritable()
            deliver(state.withLock { state in
                state.ends[1 - side].closed ? [] : scheduleWritable(side, &state)
            })
        }
    }
}
