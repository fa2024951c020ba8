//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization
import Testing
@testable import TractorRuntime
import TractorTestJobs

/// Batch calls that no task waits for (`Portal.startCall`, as a pool's slots make them): whatever ends one (its
/// answer, a cancellation, the connection failing before or during it, a peer answering twice), its hook hears of it
/// exactly once, and the call leaves the connection's table. Over an in-memory transport pair: no process is spawned.
@Suite(.timeLimit(.minutes(1)))
struct DetachedCallTests {
    typealias Answer = Result<BatchResults, any Error>

    /// Starts a batch of `inputs` of `job` as a call no task waits for; returns its call id and what its hook hears.
    func start<Input: Codable, Output: Codable>(
        _ job: Job<Input, Output>,
        _ inputs: [Input],
        on peers: InMemoryPeers,
        callID: UInt64? = nil
    ) throws -> (UInt64, Recorder<Answer>) {
        let answers = Recorder<Answer>()
        let call = callID ?? peers.portal.reserveCallID()
        let encoded = try Portal.encodeBatch(inputs, of: job.name)
        peers.portal.startCall(job: job.name, batch: encoded, callID: call) { answers.record($0) }
        return (call, answers)
    }

    @Test func anAnswerReachesTheHookOnceAndTheCallLeavesTheTable() async throws {
        let peers = try await InMemoryPeers.connect(serving: [TestJobs.echo])
        let (_, answers) = try start(TestJobs.echo, ["a", "", "ü"], on: peers)
        let results = try await answers.value().get()
        #expect(try results.decodeOutputs(String.self, count: 3, job: "echo") == ["a", "", "ü"])
        #expect(results.failures.isEmpty)
        #expect(peers.client.jobsInFlight.isEmpty)
        // A call made after it is answered too, and neither hook hears twice: both answers are in before the
        // waited call's, which follows them on the connection.
        let (_, second) = try start(TestJobs.echo, ["b"], on: peers)
        #expect(try await second.value().get().decodeOutputs(String.self, count: 1, job: "echo") == ["b"])
        #expect(try await peers.portal.run(TestJobs.echo, "after") == "after")
        #expect(answers.values.count == 1)
        #expect(second.values.count == 1)
        await peers.close()
    }

    @Test func aCallCancelledByItsIDEndsWithCancellation() async throws {
        let peers = try await InMemoryPeers.connect(serving: [TestJobs.sleep])
        let (call, answers) = try start(TestJobs.sleep, [60_000], on: peers)
        #expect(peers.client.jobsInFlight == ["sleep"])
        peers.portal.cancelCall(call)
        guard case .failure(let error) = await answers.value() else {
            Issue.record("a cancelled call must fail")
            await peers.close()
            return
        }
        #expect(error is CancellationError)
        #expect(peers.client.jobsInFlight.isEmpty)
        #expect(answers.values.count == 1)
        await peers.close()
    }

    @Test func aCallWhoseReservedIDWasCancelledIsCancelledAsItStarts() async throws {
        let peers = try await InMemoryPeers.connect(serving: [TestJobs.sleep])
        let call = peers.portal.reserveCallID()
        peers.portal.cancelCall(call)
        let (_, answers) = try start(TestJobs.sleep, [60_000], on: peers, callID: call)
        guard case .failure(let error) = await answers.value() else {
            Issue.record("a call cancelled before it started must fail")
            await peers.close()
            return
        }
        #expect(error is CancellationError)
        #expect(answers.values.count == 1)
        await peers.close()
    }

    @Test func aConnectionThatFailsEndsTheCallInFlightWithItsReason() async throws {
        let peers = try await InMemoryPeers.connect(serving: [TestJobs.sleep])
        let (_, answers) = try start(TestJobs.sleep, [60_000], on: peers)
        let (_, others) = try start(TestJobs.sleep, [60_000], on: peers)
        peers.server.channel.close()
        let reason = await peers.clientClosed.value()
        for recorder in [answers, others] {
            guard case .failure(let error) = await recorder.value() else {
                Issue.record("a call on a failed connection must fail")
                continue
            }
            #expect((error as? TractorError)?.code == reason.code)
        }
        #expect(peers.client.jobsInFlight.isEmpty)
        #expect(answers.values.count == 1)
        #expect(others.values.count == 1)
        await peers.close()
    }

    @Test func aCallOnAFailedConnectionEndsBeforeStartReturns() async throws {
        let peers = try await InMemoryPeers.connect(serving: [TestJobs.echo])
        peers.server.channel.close()
        let reason = await peers.clientClosed.value()
        let (_, answers) = try start(TestJobs.echo, ["late"], on: peers)
        // Heard on the calling thread, before `startCall` returned.
        #expect(answers.values.count == 1)
        guard case .failure(let error) = answers.values.first else {
            Issue.record("a call on a failed connection must fail")
            await peers.close()
            return
        }
        #expect((error as? TractorError)?.code == reason.code)
        #expect(peers.client.jobsInFlight.isEmpty)
        await peers.close()
    }

    @Test func aPeerThatAnswersTwiceIsHeardOnce() async throws {
        let peers = try await InMemoryPeers.connect(serving: [TestJobs.echo])
        let (call, answers) = try start(TestJobs.echo, ["once"], on: peers)
        let results = try await answers.value().get()
        // The server's side answers the same call again, as a faulty peer would; the connection goes on.
        try peers.server.channel.send(.batchReturn(cid: call, results))
        #expect(try await peers.portal.run(TestJobs.echo, "after") == "after")
        #expect(answers.values.count == 1)
        #expect(peers.client.jobsInFlight.isEmpty)
        await peers.close()
    }
}
