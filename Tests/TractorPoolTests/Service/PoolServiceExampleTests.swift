//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorTestSupport

/// The `pool-service` example, run as a person would run it: numbers in on standard input, answers out, and a signal
/// that shuts it down gracefully, leaving no worker behind.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PoolServiceExampleTests {
    /// A prime whose factorisation takes seconds (every odd divisor up to 10⁹), so it is still running when the
    /// signal comes.
    static let slowPrime = "999999999999999989"
    /// A prime that would take far longer (divisors up to 3·10⁹): the `cancel` behaviour must stop it.
    static let slowerPrime = "9223372036854775783"

    @Test func itAnswersEveryLineAndExitsAtTheEndOfItsInput() async throws {
        let service = try ServiceProcess(["--workers", "2"])
        service.send("12\n97\nseven\n1\n")
        service.closeInput()
        let outcome = try await service.waitForExit()
        #expect(outcome.status == 0, "stderr: \(outcome.error)")
        let answers = Set(outcome.output.split(separator: "\n").map(String.init))
        #expect(answers == ["12 = 2 × 2 × 3", "97 is prime", "seven: not a number", "1: has no prime factors"])
        #expect(CommandRunner.actors(running: service.path).isEmpty)
    }

    @Test func sigtermWhileAJobRunsDrainsItThenExitsWithNoWorkerLeft() async throws {
        let service = try ServiceProcess(["--workers", "2", "--report-workers"])
        let workers = try await service.workersAfterAFirstAnswer()
        // Drained whether or not a worker was seen busy with it before the signal.
        _ = try await service.startSlowRequest(Self.slowPrime, workers: workers)
        kill(service.pid, SIGTERM)
        let outcome = try await service.waitForExit()
        #expect(outcome.status == 0, "stderr: \(outcome.error)")
        #expect(outcome.outputLines.contains("\(Self.slowPrime) is prime"), "drained: \(outcome.output)")
        #expect(workers.allSatisfy { !ProcessInspection.isAlive($0) }, "\(workers.map(ProcessInspection.describe))")
        #expect(CommandRunner.actors(running: service.path).isEmpty)
    }

    @Test func sigintWithTheCancelBehaviourCancelsTheJobThenExitsWithNoWorkerLeft() async throws {
        let service = try ServiceProcess(["--workers", "2", "--report-workers", "--shutdown", "cancel"])
        let workers = try await service.workersAfterAFirstAnswer()
        let busy = try await service.startSlowRequest(Self.slowerPrime, workers: workers)
        #expect(busy, "a worker started on \(Self.slowerPrime)")
        kill(service.pid, SIGINT)
        let outcome = try await service.waitForExit()
        #expect(outcome.status == 0, "stderr: \(outcome.error)")
        #expect(outcome.outputLines.contains("\(Self.slowerPrime): cancelled"), "\(outcome.output)")
        #expect(workers.allSatisfy { !ProcessInspection.isAlive($0) }, "\(workers.map(ProcessInspection.describe))")
        #expect(CommandRunner.actors(running: service.path).isEmpty)
    }
}

/// A running `pool-service`, its standard input a pipe the test writes to, its output in files.
final class ServiceProcess {
    let path: String
    private let running: CommandRunner.Running

    var pid: Int32 { running.pid }

    init(_ arguments: [String]) throws {
        path = try CommandRunner.executable("pool-service")
        running = try CommandRunner.Running(path, arguments, writableInput: true)
    }

    deinit {
        if running.process.isRunning {
            kill(pid, SIGKILL)
            running.process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: running.outputPath)
        try? FileManager.default.removeItem(atPath: running.errorPath)
    }

    func send(_ text: String) { running.send(text) }

    func closeInput() { running.closeInput() }

    var output: String { running.output }
    var error: String { running.error }

    /// Asks for a first answer (so the pool is up and serving), then reads the workers' pids from standard error.
    func workersAfterAFirstAnswer() async throws -> [Int32] {
        send("12\n")
        guard await CommandRunner.eventually(within: .seconds(60), { output.contains("12 = 2 × 2 × 3\n") }) else {
            throw CommandRunner.Failure(description: "no answer to 12; stdout: \(output); stderr: \(error)")
        }
        var workers: [Int32] = []
        _ = await CommandRunner.eventually(within: .seconds(30)) {
            workers = error.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                guard words.count == 4, words[0] == "worker", words[2] == "pid" else { return nil }
                return Int32(words[3])
            }
            return workers.count == 2
        }
        guard workers.count == 2 else {
            throw CommandRunner.Failure(description: "the workers were not reported; stderr: \(error)")
        }
        #expect(Set(CommandRunner.children(of: pid)).isSuperset(of: workers), "the workers are the service's children")
        return workers
    }

    /// Sends a request that takes long and returns once a worker is computing it (its CPU time grows); `false` if
    /// none was seen to (the answer may then have come already).
    func startSlowRequest(_ number: String, workers: [Int32]) async throws -> Bool {
        let before = workers.map(CommandRunner.cpuTicks(of:))
        send(number + "\n")
        return await CommandRunner.eventually(within: .seconds(30)) {
            zip(workers, before).contains { CommandRunner.cpuTicks(of: $0) > $1 + 1 }
        }
    }

    /// Waits for the service to exit, at most `timeout`; kills it and throws if it runs longer.
    func waitForExit(timeout: Duration = .seconds(120)) async throws -> CommandRunner.Outcome {
        try await running.waitForExit(timeout: timeout)
    }
}
