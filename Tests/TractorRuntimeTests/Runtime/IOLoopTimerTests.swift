//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization
import Testing
@testable import TractorRuntime

/// The I/O loop's delayed work (the timer that lets a busy stream's frames leave in larger writes), and a channel
/// writing frames queued through it.
@Suite struct IOLoopTimerTests {
    @Test func delayedWorkRunsOnTheLoopAfterItsDelayInDeadlineOrder() async {
        let loop = IOLoop.shared
        let order = Mutex<[Int]>([])
        let start = ContinuousClock.now
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute(after: .milliseconds(30)) {
                order.withLock { $0.append(3) }
                done.resume()
            }
            loop.execute(after: .milliseconds(10)) { order.withLock { $0.append(2) } }
            loop.execute(after: .zero) { order.withLock { $0.append(1) } }
        }
        #expect(order.withLock { $0 } == [1, 2, 3])
        #expect(ContinuousClock.now - start >= .milliseconds(30))
    }

    @Test func framesQueuedOnTheLoopAfterTheirDelayLeaveInOrder() async throws {
        var fds: [CInt] = [0, 0]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        let sender = Channel(fd: fds[0], maximumFrameSize: 1 << 20)
        let receiver = Channel(fd: fds[1], maximumFrameSize: 1 << 20)
        defer {
            sender.close()
            receiver.close()
        }
        var frames: [UInt8] = []
        for cid: UInt64 in 1...3 {
            try Message.yield(cid: cid, payload: [UInt8(cid)]).encodeFrame(into: &frames)
        }
        // As a stream's staged frames are collected: moved on the loop after a delay and written there at once.
        sender.loop.execute(after: .milliseconds(5)) { [frames] in
            if let pending = try? sender.enqueue(frames: frames) { sender.complete(pending) }
        }
        try sender.send(.stop(cid: 9))  // not delayed: leaves at once, before the delayed frames
        var received: [Message] = []
        for _ in 0..<4 { received.append(try await receiver.receive()) }
        #expect(received == [
            .stop(cid: 9), .yield(cid: 1, payload: [1]), .yield(cid: 2, payload: [2]), .yield(cid: 3, payload: [3]),
        ])
    }
}
