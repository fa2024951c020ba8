//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
import TractorPool
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

/// Two agents in two network namespaces: a nursery of this process starts an actor on each, and everything a portal
/// does — calls, streams both ways with 1 MiB and small messages, backpressured contexts, errors and cancellation —
/// gives the same results as the same jobs run in a local actor.
@Suite(.serialized, .enabled(if: TestNetwork.unavailableReason == nil, "\(TestNetwork.unavailableReason ?? "")"))
struct RemoteStreamTests {
    /// Everything the exercise observed of one actor, compared between a local actor and the remote ones.
    struct Observed: Equatable, CustomStringConvertible {
        var question = ""
        var sum = 0
        var echoedOneMiB = false
        var resultDigest = ByteDigest(of: [])
        var ticks: [Int] = []
        var downloaded: [ByteDigest] = []
        var squares: [Int] = []
        var squaresResult = 0
        var backpressured = false
        var uploaded: [ByteDigest] = []
        var uploadedResult = 0
        var failure = ""
        var cancelledCall = ""
        var cancellationReachedJob = false
        var servesAfterCancel = ""
        var cancelledStream = ""
        var streamCancellationReachedJob = false

        var description: String {
            "question \(question.prefix(20))…, sum \(sum), echoed 1 MiB \(echoedOneMiB), result \(resultDigest), "
                + "\(ticks.count) ticks (sum \(ticks.reduce(0, +))), downloaded \(downloaded.count), "
                + "\(squares.count) squares → \(squaresResult), backpressured \(backpressured), uploaded "
                + "\(uploaded.count) → \(uploadedResult), failure '\(failure)', cancelled call \(cancelledCall) "
                + "(reached the job: \(cancellationReachedJob)), then '\(servesAfterCancel)', cancelled stream "
                + "\(cancelledStream) (reached the job: \(streamCancellationReachedJob))"
        }
    }

    /// The window of the backpressure check, and the most values the caller may have sent beyond the replies it has
    /// read: the caller's window of replies, the job's default window of requests, and a few in hand on either side.
    static let window = 8
    static let allowedLead = window + StreamWindow.default + 8

    /// How many values the caller's sending task has sent.
    final class SentCount: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test(.timeLimit(.minutes(5)))
    func actorsOnTwoHostsCallStreamAndOpenContextsExactlyAsALocalActor() async throws {
        let network = try TestNetwork(hosts: 2)
        defer { network.remove() }
        let (port, environment) = try await TestHead.head.value
        let head = "\(network.headAddress):\(port)"
        let hostNames = ["stream-node-1", "stream-node-2"]
        var agents: [CommandRunner.Running] = []
        for (index, name) in hostNames.enumerated() {
            let arguments = network.exec(
                host: index, try CommandRunner.executable("pool-worker"), ["serve", "--connect", head, "--name", name]
            )
            agents.append(try CommandRunner.Running(network.ip, arguments, environment: environment))
        }
        let joined = await CommandRunner.eventually(within: .seconds(60)) {
            hostNames.allSatisfy(Tractor.hosts.contains)
        }
        try #require(joined, "hosts joined: \(Tractor.hosts); agent errors: \(agents.map(\.error))")

        var configuration = ActorNurseryConfiguration()
        configuration.executable = .path(try CommandRunner.executable("tractor-test-worker"))
        var remotePIDs: [Int32] = []
        try await withActorNursery(configuration: configuration) { nursery in
            let local = try await nursery.startActor("near")
            let expected = try await Self.exercise(local)
            #expect(expected.backpressured && expected.cancellationReachedJob && expected.streamCancellationReachedJob)
            for (index, host) in hostNames.enumerated() {
                let remote = try await nursery.startActor("far-\(index)", on: host)
                let pid = try await remote.run(TestJobs.pid)
                #expect(pid == remote.actor.pid)
                #expect(network.processes(inHost: index).contains(pid), "actor \(remote.actor) is not in \(host)")
                remotePIDs.append(pid)
                let observed = try await Self.exercise(remote)
                #expect(observed == expected, "on \(host): \(observed)\nlocally: \(expected)")
            }
            #expect(nursery.actors.count == 3)
        }
        // Leaving the nursery stopped the remote actors through their agents; the agents go on until the head leaves.
        for (index, pid) in remotePIDs.enumerated() {
            #expect(await CommandRunner.eventually(within: .seconds(10)) { !ProcessInspection.isAlive(pid) })
            #expect(agents[index].process.isRunning)
        }
        for (index, name) in hostNames.enumerated() {
            ActorRuntime.agentListener?.hosts[name]?.disconnect()
            let ended = try await agents[index].waitForExit(timeout: .seconds(30))
            #expect(ended.exited && ended.status == 0, "\(name): \(ended.error)")
            #expect(await CommandRunner.eventually(within: .seconds(10)) { network.processes(inHost: index).isEmpty })
        }
    }

    /// Runs the same jobs on `portal` and reports what came back.
    static func exercise(_ portal: Portal) async throws -> Observed {
        var observed = Observed()
        // Calls, with a 1 MiB argument and a 1 MiB result.
        observed.question = try await portal.run(TestJobs.question)
        observed.sum = try await portal.run(TestJobs.add, Array(1...1000))
        let big = String(repeating: "z", count: 1 << 20)
        observed.echoedOneMiB = try await portal.run(TestJobs.echo, big) == big
        observed.resultDigest = ByteDigest(of: try await portal.run(TestJobs.bytes, 1 << 20))

        // From the job: 10,000 small messages, then 16 of 1 MiB.
        observed.ticks = try await portal.openStream(StreamTestJobs.ticker, 10_000) { stream in
            var ticks: [Int] = []
            for try await tick in stream { ticks.append(tick) }
            return ticks
        }
        observed.downloaded = try await portal.openStream(
            TransferTestJobs.patterned, ProducerInput(count: 16, payloadBytes: 1 << 20)
        ) { stream in
            var digests: [ByteDigest] = []
            for try await bytes in stream { digests.append(ByteDigest(of: bytes)) }
            return digests
        }

        // Both ways at once: 10,000 small values up while their squares come down, through a small window; the
        // caller reads slowly, so the sender must wait for it.
        (observed.squares, observed.squaresResult, observed.backpressured) = try await portal.openContext(
            TransferTestJobs.squares, 0, window: Self.window
        ) { context, _ in
            let sent = SentCount()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for value in 0..<10_000 {
                        try await context.stream.send(value)
                        sent.value.add(1, ordering: .relaxed)
                    }
                    context.stream.finish()
                }
                var squares: [Int] = []
                var lead = 0
                for try await square in context.stream {
                    squares.append(square)
                    lead = max(lead, sent.value.load(ordering: .relaxed) - squares.count)
                    if squares.count % 100 == 0 { await Task.yield() }
                }
                try await group.waitForAll()
                return (squares, try await context.result(), lead <= Self.allowedLead)
            }
        }
        // Both ways with 1 MiB messages up and their digests down.
        (observed.uploaded, observed.uploadedResult) = try await portal.openContext(TransferTestJobs.digest, 0) {
            context, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for index in 0..<16 {
                        try await context.stream.send([UInt8](repeating: UInt8(index % 251), count: 1 << 20))
                    }
                    context.stream.finish()
                }
                var digests: [ByteDigest] = []
                for try await digest in context.stream { digests.append(digest) }
                try await group.waitForAll()
                return (digests, try await context.result())
            }
        }

        // A job's error.
        do {
            _ = try await portal.run(TestJobs.fail, "no such luck")
        } catch let error as RemoteActorError {
            observed.failure = "\(error.typeName): \(error.message) in \(error.job ?? "?")"
        }

        // Cancelling a running call reaches the job as Swift cancellation; the actor goes on serving.
        let directory = ProcessInspection.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pid = try await portal.run(TestJobs.pid)
        let call = Task { try await portal.run(TestJobs.sleepRecordingCancellation, directory) }
        let running = await CommandRunner.eventually(within: .seconds(30)) {
            ProcessInspection.recordedPIDs(in: directory).contains(pid)
        }
        call.cancel()
        switch await call.result {
        case .success(let value): observed.cancelledCall = "returned \(value)"
        case .failure(let error): observed.cancelledCall = running ? "\(type(of: error))" : "never ran: \(error)"
        }
        observed.cancellationReachedJob = await CommandRunner.eventually(within: .seconds(30)) {
            recordedCancellations(in: directory).contains(pid)
        }
        observed.servesAfterCancel = try await portal.run(TestJobs.echo, "still here")

        // Cancelling the task that reads an endless stream reaches the streaming job too.
        let streamDirectory = ProcessInspection.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: streamDirectory) }
        let reading = Task {
            try await portal.openStream(StreamTestJobs.tickerRecordingCancellation, streamDirectory) { stream in
                var count = 0
                for try await _ in stream { count += 1 }
                return count
            }
        }
        _ = await CommandRunner.eventually(within: .seconds(30)) {
            ProcessInspection.recordedPIDs(in: streamDirectory).contains(pid)
        }
        reading.cancel()
        switch await reading.result {
        case .success: observed.cancelledStream = "ended"
        case .failure(let error): observed.cancelledStream = "\(type(of: error))"
        }
        observed.streamCancellationReachedJob = await CommandRunner.eventually(within: .seconds(30)) {
            recordedCancellations(in: streamDirectory).contains(pid)
        }
        return observed
    }
}
