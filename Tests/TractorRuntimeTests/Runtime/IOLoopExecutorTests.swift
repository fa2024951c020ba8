//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Foundation
import Synchronization
import Testing
@testable import TractorRuntime

/// The I/O loop as a task executor: the pool's slots run there, so that a reply read on the loop resumes its slot
/// without waking another thread.
@Suite struct IOLoopExecutorTests {
    @Test func aTaskPreferringTheLoopRunsOnItAndComesBackToItAfterSuspending() async {
        let loop = IOLoop.shared
        let task = Task(executorPreference: loop) { () -> [Bool] in
            var onLoop = [loop.inLoop]
            // Resumed from another thread: the task still continues on the loop.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Task.detached { continuation.resume() }
            }
            onLoop.append(loop.inLoop)
            try? await Task.sleep(for: .milliseconds(5))
            onLoop.append(loop.inLoop)
            return onLoop
        }
        #expect(await task.value == [true, true, true])
        #expect(!loop.inLoop, "the test itself runs elsewhere")
    }

    @Test func tasksOnTheLoopRunOneAtATimeInTheOrderTheyWereEnqueued() async {
        let loop = IOLoop.shared
        var tasks: [Task<Int, Never>] = []
        let order = OrderRecorder()
        for index in 0..<50 {
            tasks.append(Task(executorPreference: loop) {
                order.record(index)
                return index
            })
        }
        for task in tasks { _ = await task.value }
        #expect(order.values == Array(0..<50))
    }

    /// The loop thread asks for a 100 µs slice, so that a reply preempts a computing thread instead of waiting out
    /// its slice. Kernels before 6.12 accept the request and keep no slice; there the call must merely succeed.
    @Test func theLoopThreadAsksTheSchedulerForAShortTimeSlice() async {
        // Whether this kernel keeps a requested slice: a scratch thread asks for one and reads it back.
        let kept = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            Thread {
                let asked = ctractor_request_time_slice(300_000) == 0
                continuation.resume(returning: asked && ctractor_time_slice() == 300_000)
            }.start()
        }
        let slice = await withCheckedContinuation { (continuation: CheckedContinuation<Int64, Never>) in
            IOLoop.shared.execute { continuation.resume(returning: ctractor_time_slice()) }
        }
        if kept {
            #expect(slice == Int64(IOLoop.timeSlice))
        } else {
            #expect(slice >= 0, "sched_getattr failed on the loop thread")
        }
    }
}

/// Records values from any thread.
private final class OrderRecorder: Sendable {
    private let storage = Mutex<[Int]>([])
    func record(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}
