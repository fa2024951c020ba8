//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ServiceLifecycle

/// An actor nursery as a swift-service-lifecycle `Service`: the nursery is open while the service runs in a
/// `ServiceGroup`, and its actors are stopped and reaped when the service stops.
///
/// ``run()`` opens the nursery with ``withActorNursery(configuration:isolation:_:)`` and keeps it open until graceful
/// shutdown reaches it (or its task is cancelled). Other services start and use actors through
/// ``withNursery(isolation:_:)``, which waits until the nursery is open; list them *after* the nursery service, so
/// that they stop first. When the service's turn comes, the nursery's scope ends as it always does: it waits for the
/// jobs started with ``ActorNursery/runInActor(_:_:name:executable:)``, cancels the daemons started with
/// ``ActorNursery/startActor(_:jobs:executable:)``, and reaps every actor. The group's cancellation cancels every
/// actor at once; an actor that fails (its job throws, it dies unasked) fails the service with the nursery's error,
/// which by default cancels the group.
///
/// ```swift
/// let nursery = NurseryService()
/// let frontend = Frontend(nursery: nursery)   // calls `nursery.withNursery { nursery in ... }` in its run()
/// let group = ServiceGroup(services: [nursery, frontend], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
///
/// - Important: A service runs once: a second call of ``run()`` throws.
public final class NurseryService: Service, Sendable {
    /// The nursery's settings.
    public let configuration: ActorNurseryConfiguration
    private let scope = ServiceScope<ActorNursery>(name: "nursery service")

    /// A nursery service with these settings.
    ///
    /// ```swift
    /// var configuration = ActorNurseryConfiguration()
    /// configuration.executable = .path("/usr/local/bin/my-actor")
    /// let nursery = NurseryService(configuration: configuration)
    /// ```
    public init(configuration: ActorNurseryConfiguration = ActorNurseryConfiguration()) {
        self.configuration = configuration
    }

    /// Runs the nursery until graceful shutdown reaches the service, then ends its scope (the `runInActor` jobs
    /// finish, the daemons are cancelled, every actor is reaped); or until the task is cancelled, which cancels every
    /// actor at once.
    ///
    /// ```swift
    /// try await ServiceGroup(services: [nurseryService], gracefulShutdownSignals: [.sigterm], logger: logger).run()
    /// ```
    ///
    /// - Throws: The nursery's error when an actor failed (see ``withActorNursery(configuration:isolation:_:)``);
    ///   ``TractorError`` `.invalidArgument` when the service has run already.
    public func run() async throws {
        try scope.begin()
        do {
            try await withActorNursery(configuration: configuration) { nursery in
                await scope.serve(nursery) { await scope.wait(for: .turn) }
            }
        } catch {
            try scope.end(error)
            return
        }
        try scope.end(nil)
    }

    /// Runs `body` with the service's nursery, waiting first until ``run()`` has opened it.
    ///
    /// ```swift
    /// try await nurseryService.withNursery { nursery in
    ///     let frank = try await nursery.startActor("frank", jobs: [question])
    ///     print(try await frank.run(question))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - isolation: The actor the body runs on; the caller's, by default.
    ///   - body: Uses the nursery. The handle is invalid once the body returns, and once the service has stopped.
    /// - Returns: The body's result.
    /// - Throws: The body's error; ``TractorError`` `.scopeClosed` when the service has stopped; the error of
    ///   ``run()`` when the nursery could not open or failed; `CancellationError` when the task is cancelled while it
    ///   waits.
    public func withNursery<Value: Sendable>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ActorNursery) async throws -> Value
    ) async throws -> Value {
        try await scope.withHandle(isolation: isolation, body)
    }
}
