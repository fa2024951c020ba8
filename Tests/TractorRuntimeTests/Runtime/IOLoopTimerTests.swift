//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization
import Testing
@testable import TractorRuntime

/// The I/O loop's delayed work (the timer that lets a busy stream's frames leave in larger writes), and a channel
/// collecting staged frames through it.
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

    /// A source of staged frames for a channel: hands over what it holds when collected.
    final class Stage: StagedFrames {
        let channel: Channel
        let frames = Mutex<[UInt8]>([])
        init(channel: Channel) { self.channel = channel }
        func moveStagedFrames() {
            let taken = frames.withLock { frames in
                defer { frames.removeAll() }
                return frames
            }
            if !taken.isEmpty { _ = try? channel.appendStaged(taken) }
        }
    }

    @Test func stagedFramesAreCollectedAfterTheirDelayInOrder() async throws {
        var fds: [CInt] = [0, 0]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0)
        let sender = Channel(fd: fds[0], maximumFrameSize: 1 << 20)
        let receiver = Channel(fd: fds[1], maximumFrameSize: 1 << 20)
        defer {
            sender.close()
            receiver.close()
        }
        let stage = Stage(channel: sender)
        for cid: UInt64 in 1...3 {
            var frame: [UInt8] = []
            try Message.yield(cid: cid, payload: [UInt8(cid)]).encodeFrame(into: &frame)
            stage.frames.withLock { $0.append(contentsOf: frame) }
        }
        sender.requestCollection(from: stage, after: .milliseconds(5))
        try sender.send(.stop(cid: 9))  // not staged: leaves at once, before the staged frames
        var received: [Message] = []
        for _ in 0..<4 { received.append(try await receiver.receive()) }
        #expect(received == [
            .stop(cid: 9), .yield(cid: 1, payload: [1]), .yield(cid: 2, payload: [2]), .yield(cid: 3, payload: [3]),
        ])
    }
}
