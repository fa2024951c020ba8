//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging
import PoolWorkerJobs
import ServiceLifecycle
import Testing
import TractorPool
import TractorTestSupport

extension PoolSpawningTests {
    /// A pool in a `ServiceGroup`, in this process: graceful shutdown drains or cancels the job in flight, the
    /// group's cancellation cancels it, and every worker is reaped each time.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolServiceTests {
        @Test func drainLetsTheJobInFlightFinish() async throws {
            let result = try await Self.shutDownWhileAJobRuns(.drain, sleeping: 300)
            #expect(try result.get() == 300)
        }

        @Test func cancelStopsTheJobInFlight() async throws {
            let result = try await Self.shutDownWhileAJobRuns(.cancel, sleeping: 60_000)
            #expect(throws: CancellationError.self) { try result.get() }
        }

        @Test func drainingPastItsLimitCancelsTheJobsLeft() async throws {
            let result = try await Self.shutDownWhileAJobRuns(.drain(within: .milliseconds(100)), sleeping: 60_000)
            #expect(throws: CancellationError.self) { try result.get() }
        }

        @Test func theGroupsCancellationCancelsTheJobAndReapsEveryWorker() async throws {
            try await PoolTesting.checkingLeaks {
                let (events, user) = JobUser.make(sleeping: 60_000)
                let service = PoolService(configuration: Self.configuration(.drain))
                let group = ServiceGroup(services: [service, user.using(service)], logger: Self.quiet)
                await withTaskGroup(of: Void.self) { tasks in
                    // The group returns once the pool has cancelled its job and reaped its workers.
                    tasks.addTask { try? await group.run() }
                    var iterator = events.makeAsyncIterator()
                    #expect(await iterator.next() == .running)
                    tasks.cancelAll()
                    if case .finished(let result)? = await iterator.next() {
                        #expect(throws: CancellationError.self) { try result.get() }
                    } else {
                        Issue.record("the job's user did not finish")
                    }
                    await tasks.waitForAll()
                }
                #expect(PoolTesting.workerChildren().isEmpty)
            }
        }

        @Test func withPoolWaitsForTheRunAndFailsOnceTheServiceHasStopped() async throws {
            try await PoolTesting.checkingLeaks {
                let service = PoolService(configuration: Self.configuration(.drain))
                let group = ServiceGroup(services: [service], logger: Self.quiet)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    // Asked before the service runs: waits for the pool.
                    tasks.addTask {
                        let square = try await service.withPool { pool in
                            try await pool.submit(BuiltinJobs.square, 7).value
                        }
                        #expect(square == 49)
                    }
                    tasks.addTask { try await group.run() }
                    try await tasks.next()
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                let error = await #expect(throws: TractorError.self) {
                    try await service.withPool { _ in }
                }
                #expect(error?.code == .scopeClosed)
                let again = await #expect(throws: TractorError.self) { try await service.run() }
                #expect(again?.code == .invalidArgument)
            }
        }

        @Test func aPoolThatCannotOpenFailsItsRunAndItsUsers() async throws {
            var configuration = Self.configuration(.drain)
            configuration.pool.queueCapacity = 0
            let service = PoolService(configuration: configuration)
            let use = Task { try await service.withPool { _ in } }
            let error = await #expect(throws: TractorError.self) { try await service.run() }
            #expect(error?.code == .invalidArgument)
            let used = await #expect(throws: TractorError.self) { try await use.value }
            #expect(used?.code == .invalidArgument)
        }

        /// Runs a group of a pool service and a service that runs one `sleep` job; triggers graceful shutdown once
        /// the job runs; returns how the job ended, after checking that the group returned and left no worker.
        static func shutDownWhileAJobRuns(
            _ behavior: PoolServiceConfiguration.ShutdownBehavior,
            sleeping milliseconds: Int
        ) async throws -> Result<Int, any Error> {
            try await PoolTesting.checkingLeaks {
                let (events, user) = JobUser.make(sleeping: milliseconds)
                let service = PoolService(configuration: configuration(behavior))
                let group = ServiceGroup(services: [service, user.using(service)], logger: quiet)
                return try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    var iterator = events.makeAsyncIterator()
                    #expect(await iterator.next() == .running)
                    await group.triggerGracefulShutdown()
                    guard case .finished(let result)? = await iterator.next() else {
                        throw CancellationError()
                    }
                    try await tasks.waitForAll()
                    #expect(PoolTesting.workerChildren().isEmpty)
                    return result
                }
            }
        }

        static func configuration(_ behavior: PoolServiceConfiguration.ShutdownBehavior) -> PoolServiceConfiguration {
            var configuration = PoolServiceConfiguration(pool: PoolTesting.configuration(.workers(1)))
            configuration.shutdown = behavior
            return configuration
        }

        static let quiet = Logger(label: "pool-service-tests") { _ in SwiftLogNoOpLogHandler() }
    }
}

/// A service that runs one `sleep` job on a pool service's pool, says when it runs and how it ended, and then waits
/// for graceful shutdown (so that it never ends the group by itself).
struct JobUser: Service {
    enum Event: Sendable, Equatable {
        case running
        case finished(Result<Int, any Error>)

        static func == (lhs: Event, rhs: Event) -> Bool {
            switch (lhs, rhs) {
            case (.running, .running): true
            default: false
            }
        }
    }

    let milliseconds: Int
    let events: AsyncStream<Event>.Continuation
    var pool: PoolService?

    static func make(sleeping milliseconds: Int) -> (AsyncStream<Event>, JobUser) {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        return (stream, JobUser(milliseconds: milliseconds, events: continuation))
    }

    func using(_ pool: PoolService) -> JobUser {
        var user = self
        user.pool = pool
        return user
    }

    func run() async throws {
        guard let pool else { return }
        try await pool.withPool { pool in
            let future = try await pool.submit(BuiltinJobs.sleep, milliseconds)
            _ = await PoolTesting.eventually(within: .seconds(60)) { future.state != .pending }
            events.yield(.running)
            let result: Result<Int, any Error>
            do {
                result = .success(try await future.value)
            } catch {
                result = .failure(error)
            }
            events.yield(.finished(result))
        }
        try? await gracefulShutdown()
    }
}
