//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The caller's handle on an actor: call its jobs, and (for actors of your nursery) cancel it.
///
/// Many calls may run at once on one portal; they are multiplexed over one connection by call id. Cancelling the task
/// that awaits a call sends `cancel` to the actor, where the job's task is cancelled.
///
/// ```swift
/// let frank = try await nursery.startActor("frank", jobs: [question, add])
/// async let a = frank.run(add, [1, 2])
/// async let b = frank.run(add, [3, 4])
/// print(try await a + b)
/// ```
///
/// - Important: A portal is valid inside the scope that produced it (the nursery, or the discovery closure).
public struct Portal: Sendable {
    let connection: PeerConnection
    let child: ChildActor?

    init(connection: PeerConnection, child: ChildActor?) {
        self.connection = connection
        self.child = child
    }

    /// The actor this portal reaches.
    public var actor: ActorID { child?.id ?? connection.remote }

    /// Runs `job` in the actor and returns its output.
    ///
    /// ```swift
    /// let isPrime = try await portal.run(isPrimeJob, 1_099_726_899_285_419)
    /// ```
    ///
    /// - Throws: The job's error: as its own type when the job declares that type (`Job(_:throwing:_:)`),
    ///   else as ``RemoteActorError`` (so too when the actor does not serve the job: code `"unknownJob"`);
    ///   ``TractorError`` `.actorCrashed` when the actor dies during the call; `CancellationError` when the calling
    ///   task was cancelled and the actor acknowledged.
    public func run<Input, Output>(_ job: Job<Input, Output>, _ input: Input) async throws -> Output
    where Input: Codable, Output: Codable {
        let payload: [UInt8]
        do {
            payload = try MessagePackEncoder().encode(input)
        } catch {
            throw TractorError(.encodingFailed, "could not encode the input of job '\(job.name)'", cause: error)
        }
        RoundTripTrace.mark(.callBegan)
        let output = try await connection.call(job: job.name, payload: payload, errors: job.errorCoding)
        RoundTripTrace.mark(.callerResumed)
        do {
            return try MessagePackDecoder().decode(Output.self, from: output)
        } catch {
            throw TractorError(.decodingFailed, "could not decode the output of job '\(job.name)' as \(Output.self)",
                               cause: error)
        }
    }

    /// Runs a job that takes no input.
    ///
    /// ```swift
    /// print(try await frank.run(question))
    /// ```
    public func run<Output>(_ job: Job<NoInput, Output>) async throws -> Output where Output: Codable {
        try await run(job, NoInput())
    }

    /// Cancels the actor.
    ///
    /// For a child of one of this process's nurseries: `cancel`, then SIGTERM, then SIGKILL, as the nursery's teardown
    /// policy says, and waits until its process is reaped. Its nursery does not count this exit as a failure.
    ///
    /// For any other actor of the tree (one found through the registry): asks it to cancel, as its parent would. It
    /// cancels every job it serves — each caller's ``ContextCancelled`` names this actor as the canceller — then
    /// acknowledges and exits; its parent's nursery counts the exit as a cancellation, not a crash. This waits for the
    /// acknowledgement at most the runtime's cancel grace (``TeardownPolicy/cancelGrace``); past that, the actor's
    /// own parent's ladder governs it.
    ///
    /// ```swift
    /// let outcome = try await daemon.cancelActor()
    /// print(outcome)   // "cancelled: exited with status 0"
    ///
    /// try await Tractor.findActor(named: "indexer") { indexer in try await indexer.cancelActor() }
    /// ```
    ///
    /// - Returns: How far the ladder went and how the process ended.
    /// - Throws: For a peer: ``RemoteActorError`` (code `invalidArgument`) from the root of a tree, which only its
    ///   own program ends; ``TractorError`` `.timedOut` when it did not acknowledge within the grace, `.channelClosed`
    ///   when it went away first.
    @discardableResult
    public func cancelActor() async throws -> TeardownOutcome {
        if let child { return await child.tearDown() }
        let runtime = ActorRuntime.shared
        return try await runtime.cancelPeer(over: connection, within: runtime.configuration.teardown.cancelGrace)
    }
}

/// The handle on an actor started with ``ActorNursery/runInActor(_:_:name:executable:)``: its job's result, and the
/// portal for anything else.
///
/// ```swift
/// let one = try await nursery.runInActor(cellarDoor, name: "linguist")
/// print(try await one.result())
/// ```
public struct ResultPortal<Output: Sendable>: Sendable {
    /// The portal to the actor.
    public let portal: Portal
    let task: Task<Output, any Error>

    /// The actor.
    public var actor: ActorID { portal.actor }

    /// Waits for the job's output.
    ///
    /// - Throws: The job's error (as ``Portal/run(_:_:)`` throws it), or ``TractorError`` `.actorCrashed` if the actor
    ///   died.
    ///
    /// ```swift
    /// let linguist = try await nursery.runInActor(cellarDoor, name: "linguist")
    /// print(try await linguist.result())
    /// ```
    public func result() async throws -> Output {
        try await task.value
    }
}
