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
    /// An actor nursery in a `ServiceGroup`: another service starts a daemon in it, and graceful shutdown stops and
    /// reaps the daemon.
    @Suite(.timeLimit(.minutes(5)))
    struct NurseryServiceTests {
        @Test func gracefulShutdownCancelsTheDaemonsAndReapsThem() async throws {
            try await PoolTesting.checkingLeaks {
                var configuration = ActorNurseryConfiguration()
                configuration.executable = .path(PoolTesting.workerPath)
                let nursery = NurseryService(configuration: configuration)
                let (events, continuation) = AsyncStream<Int32>.makeStream()
                let user = DaemonUser(nursery: nursery, started: continuation)
                let logger = Logger(label: "nursery-service-tests") { _ in SwiftLogNoOpLogHandler() }
                let group = ServiceGroup(services: [nursery, user], logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    var iterator = events.makeAsyncIterator()
                    let pid = try #require(await iterator.next())
                    #expect(ProcessInspection.isAlive(pid))
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    #expect(!ProcessInspection.isAlive(pid))
                }
                #expect(PoolTesting.workerChildren().isEmpty)
                let error = await #expect(throws: TractorError.self) { try await nursery.withNursery { _ in } }
                #expect(error?.code == .scopeClosed)
                #expect(error?.message.contains("the nursery service has stopped") == true)
            }
        }
    }
}

/// Starts a daemon actor in a nursery service, checks that it serves, reports its pid, and waits for graceful
/// shutdown.
struct DaemonUser: Service {
    let nursery: NurseryService
    let started: AsyncStream<Int32>.Continuation

    func run() async throws {
        try await nursery.withNursery { nursery in
            let daemon = try await nursery.startActor("daemon", jobs: [BuiltinJobs.square])
            #expect(try await daemon.run(BuiltinJobs.square, 6) == 36)
            started.yield(daemon.actor.pid)
        }
        try? await gracefulShutdown()
    }
}
