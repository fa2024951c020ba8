//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Opens an actor nursery: a scope whose actor processes cannot outlive it.
///
/// The body starts actors through the ``ActorNursery`` handle. The scope returns only when every actor it started has
/// exited and been reaped: after the body returns, it waits for each ``ActorNursery/runInActor(_:_:name:executable:)``
/// job, then cancels the daemons started with ``ActorNursery/startActor(_:jobs:executable:)``.
///
/// One cancels all: when a `runInActor` job throws or an actor dies unasked, the other actors are cancelled at once
/// (not when the body ends), the body is cancelled, and the scope throws — the error itself when there is one
/// (a ``RemoteActorError`` for a job's error, a ``TractorError`` `.actorCrashed` for a death), or an
/// ``ActorNurseryError`` listing them all when several actors failed. Each failed actor is one error, whatever it had
/// open and however often the body rethrows it; the cancellation the first failure causes adds none. Cancelling the
/// task running the scope cancels every actor the same way.
///
/// The body prefers this process's I/O threads as its task executor (and so do the child tasks it makes, unless they
/// set a preference of their own): when an answer it awaits is read, the body goes on on the thread that read it,
/// instead of that thread waking another to run it, and another thread watches the connections meanwhile, so a body
/// that computes for long holds nothing up. Code isolated to an actor still runs on that actor. A body that would
/// rather run on the cooperative pool sets its own preference:
///
/// ```swift
/// try await withActorNursery { nursery in
///     try await withTaskExecutorPreference(globalConcurrentExecutor) {
///         let frank = try await nursery.startActor("frank", jobs: [question])
///         print(try await frank.run(question))
///     }
/// }
/// ```
///
/// ```swift
/// try await withActorNursery { nursery in
///     let frank = try await nursery.startActor("frank", jobs: [question])
///     print(try await frank.run(question))
///     let linguist = try await nursery.runInActor(cellarDoor, name: "linguist")
///     print(try await linguist.result())
/// }   // linguist has exited; frank was cancelled; both are reaped
/// ```
///
/// - Parameters:
///   - configuration: The executable to spawn, the teardown policy and the spawn timeout.
///   - isolation: The actor the body runs on; the caller's, by default.
///   - body: Starts and uses actors. The handle is invalid once the body returns.
/// - Returns: The body's result.
/// - Throws: The body's error, the actors' errors, or `CancellationError` when the scope's task was cancelled;
///   ``TractorError`` `.notBootstrapped` in a process started as an actor that has not called
///   ``Tractor/bootstrap(jobs:configuration:)``; `.runtimeUnavailable` when the runtime of this process cannot start
///   (`TMPDIR` names a directory that is missing or not writable, or the process is out of descriptors).
public func withActorNursery<Result: Sendable>(
    configuration: ActorNurseryConfiguration = ActorNurseryConfiguration(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (ActorNursery) async throws -> Result
) async throws -> Result {
    let runtime = ActorRuntime.shared
    try runtime.startListening()
    let nursery = ActorNursery(runtime: runtime, configuration: configuration)
    let supervisor = nursery.supervisor

    let outcome: Swift.Result<Result, any Error> = await withoutActuallyEscaping(body) { body in
        let boxed = BodyBox(body: body)
        return await withTaskGroup(of: ScopeEvent<Result>.self) { group in
            group.addTask {
                .body(await runBody(isolation: isolation, boxed, nursery))
            }
            group.addTask {
                await supervisor.waitForFailure()
                return .failed
            }
            var bodyOutcome: Swift.Result<Result, any Error>?
            while let event = await group.next() {
                switch event {
                case .body(let result):
                    bodyOutcome = result
                    group.cancelAll()
                case .failed:
                    if bodyOutcome == nil {
                        group.cancelAll()
                        supervisor.beginCancellingAll(failing: false)
                    }
                }
            }
            return bodyOutcome!
        }
    }

    var cancelling = Task.isCancelled || !supervisor.errors.isEmpty
    if case .failure = outcome { cancelling = true }
    await supervisor.close(cancelling: cancelling)

    // One error per failed actor; the body's own error comes first, unless it only rethrows one of them or echoes
    // the cancellation the first failure caused.
    let errors = supervisor.scopeErrors(after: outcome)
    switch errors.count {
    case 0:
        if Task.isCancelled, case .success = outcome {
            // The scope's task was cancelled while the body finished anyway: keep the body's result.
        }
        return try outcome.get()
    case 1:
        throw errors[0]
    default:
        throw ActorNurseryError(errors: errors)
    }
}

private enum ScopeEvent<Result: Sendable>: Sendable {
    case body(Swift.Result<Result, any Error>)
    case failed
}

/// Carries the scope's body into the child task that runs it.
///
/// The body is not `Sendable`. No lock guards it, and none is needed: it is moved once, into the one child task that
/// runs it on the caller's isolation (``runBody``) while the caller is suspended in `withActorNursery`, and it never
/// runs after that call returns, so it is never touched from two places at once.
private struct BodyBox<Result>: @unchecked Sendable {
    let body: (ActorNursery) async throws -> Result
}

/// Runs the body on `isolation`, the actor the caller of `withActorNursery` runs on.
private func runBody<Result: Sendable>(
    isolation: isolated (any Actor)?,
    _ box: BodyBox<Result>,
    _ nursery: ActorNursery
) async -> Swift.Result<Result, any Error> {
    do {
        // The body goes on where the answers it awaits are read (see above): a round trip wakes no thread but the
        // loop thread that reads its answer.
        return .success(try await withTaskExecutorPreference(IOLoop.servedJobs, isolation: isolation) {
            try await box.body(nursery)
        })
    } catch {
        return .failure(error)
    }
}

/// Several actors of one nursery failed; their errors, one per actor (and the body's own, first, if it failed for
/// another reason), in the order they happened.
///
/// ```swift
/// do { try await withActorNursery { ... } }
/// catch let error as ActorNurseryError { for failure in error.errors { print(failure) } }
/// ```
public struct ActorNurseryError: Error, Sendable, CustomStringConvertible {
    /// Every error, first one first.
    public let errors: [any Error]

    /// Groups errors.
    public init(errors: [any Error]) {
        self.errors = errors
    }

    /// How many actors failed, then each error on a line of its own.
    public var description: String {
        "\(errors.count) actors failed:\n" + errors.map { "  - \($0)" }.joined(separator: "\n")
    }
}
