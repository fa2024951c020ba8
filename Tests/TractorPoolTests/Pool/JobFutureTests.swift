//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorPool

/// A future's waiters, without a pool: each wait leaves nothing behind once it stops waiting.
@Suite struct JobFutureTests {
    @Test func timedOutWaitsLeaveNoCallbackBehind() async throws {
        let future = JobFuture<Int>(jobName: "pending", canceller: { false })
        for _ in 0..<5_000 {
            await #expect(throws: TractorError.self) { try await future.result(timeout: .milliseconds(1)) }
        }
        #expect(future.completionCallbackCount == 0)
        future.onCompletion { _ in }
        #expect(future.completionCallbackCount == 1)
        future.resolve(.success(7))
        #expect(future.completionCallbackCount == 0)
        #expect(try await future.result(timeout: .milliseconds(1)) == 7)
    }

    @Test func cancelledWaitsLeaveNoCallbackBehind() async throws {
        for _ in 0..<200 {
            // As a pool's futures do, cancelling the job completes the future with `CancellationError`.
            let cell = Mutex<JobFuture<Int>?>(nil)
            let future = JobFuture<Int>(jobName: "pending") {
                cell.withLock { $0 }?.resolve(.failure(CancellationError()))
                return true
            }
            cell.withLock { $0 = future }
            let waiter = Task { try await future.result(timeout: .seconds(60)) }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(future.completionCallbackCount == 0)
            cell.withLock { $0 = nil }
        }
    }

    @Test func waitersAnsweredByTheResultLeaveNoCallbackBehind() async throws {
        let future = JobFuture<Int>(jobName: "pending", canceller: { false })
        let waiters = (0..<100).map { _ in Task { try await future.value } }
        future.resolve(.success(42))
        for waiter in waiters { #expect(try await waiter.value == 42) }
        #expect(future.completionCallbackCount == 0)
    }
}
