//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Portal {
    /// Starts a streaming job and hands its elements to `body` as they arrive, with backpressure.
    ///
    /// The stream ends when the job returns. If `body` returns before that, the job is cancelled (and that is not an
    /// error); if `body` throws or the calling task is cancelled, the job is cancelled and the error propagates.
    ///
    /// ```swift
    /// try await daemon.openStream(ticker, 100) { stream in
    ///     for try await tick in stream { print(tick) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - job: The streaming job.
    ///   - input: Its input.
    ///   - window: How many elements the job may send ahead of `body`'s reading. Default ``StreamWindow/default``.
    ///   - isolation: The actor `body` runs on; the caller's, by default.
    ///   - body: Consumes the stream; the stream is invalid after it returns.
    /// - Throws: The job's error, as its own type when the job declares that type
    ///   (``StreamJob/init(_:throwing:_:)``), else as ``RemoteActorError``; ``ContextCancelled`` when the actor's side
    ///   cancelled it, ``TractorError`` `.actorCrashed` when the actor died, or `body`'s error. Iterating the stream
    ///   throws the job's error the same way.
    public func openStream<Input, Element, Result: Sendable>(
        _ job: StreamJob<Input, Element>,
        _ input: Input,
        window: Int = StreamWindow.default,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (RemoteStream<Element>) async throws -> Result
    ) async throws -> Result {
        let call = try StreamingCall(
            connection: connection, job: job.name, kind: .stream, input: input, window: window,
            errors: job.errorCoding
        )
        let result: Result
        do {
            result = try await withTaskCancellationHandler {
                try await body(RemoteStream(endpoint: call.endpoint))
            } onCancel: {
                call.task.cancel()
            }
        } catch {
            await call.cancelAndWait()
            throw error
        }
        try await call.end(cancelling: true)
        return result
    }

    /// Opens a two-way context with a context job: waits for its `started` value, then runs `body` with the context.
    ///
    /// When `body` returns, this side's direction of the stream is finished and the job's result awaited (unless
    /// `body` called ``Context/cancel()``, which ends the context without an error). When `body` throws or the calling
    /// task is cancelled, the job is cancelled.
    ///
    /// ```swift
    /// try await daemon.openContext(pingPong, 10) { ctx, started in
    ///     print(started)   // 10
    ///     for _ in 0..<10 { try await ctx.stream.send("ping") }
    ///     var pongs = 0
    ///     for try await _ in ctx.stream { pongs += 1; if pongs == 10 { break } }
    ///     ctx.stream.finish()
    ///     print(try await ctx.result())   // 10
    /// }
    /// ```
    ///
    /// - Throws: As ``openStream(_:_:window:isolation:_:)``.
    public func openContext<Input, Started, ToJob, FromJob, Output, Result: Sendable>(
        _ job: ContextJob<Input, Started, ToJob, FromJob, Output>,
        _ input: Input,
        window: Int = StreamWindow.default,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Context<ToJob, FromJob, Output>, Started) async throws -> Result
    ) async throws -> Result {
        let call = try StreamingCall(
            connection: connection, job: job.name, kind: .context, input: input, window: window,
            errors: job.errorCoding
        )
        let result: Result
        do {
            let started = try await withTaskCancellationHandler {
                try await call.endpoint.waitForStarted()
            } onCancel: {
                call.task.cancel()
            }
            let context = Context<ToJob, FromJob, Output>(call: call)
            let first = try MessagePackDecoder().decode(Started.self, from: started)
            result = try await withTaskCancellationHandler {
                try await body(context, first)
            } onCancel: {
                call.task.cancel()
            }
        } catch {
            await call.cancelAndWait()
            throw error
        }
        call.endpoint.finish()
        try await call.end(cancelling: call.cancelRequested)
        return result
    }
}

/// The caller's side of a context: the two-way stream, the job's result, and cancellation.
///
/// - Important: Valid only inside the ``Portal/openContext(_:_:window:isolation:_:)`` closure.
public struct Context<ToJob: Codable & Sendable, FromJob: Codable & Sendable, Output: Codable & Sendable>: Sendable {
    let call: StreamingCall

    /// The two-way stream: send `ToJob` values, iterate `FromJob` values.
    public var stream: MsgStream<ToJob, FromJob> { MsgStream(endpoint: call.endpoint) }

    /// Waits for the job's return value.
    ///
    /// - Throws: The job's error, as ``Portal/openContext(_:_:window:isolation:_:)`` throws it; ``ContextCancelled``
    ///   when either side cancelled it.
    public func result() async throws -> Output {
        let payload: [UInt8]
        do {
            payload = try await call.task.value
        } catch is CancellationError where call.cancelRequested {
            throw ContextCancelled(canceller: ActorRuntime.shared.identity, job: call.job)
        }
        return try MessagePackDecoder().decode(Output.self, from: payload)
    }

    /// Cancels the job; the context then ends without an error when the closure returns.
    public func cancel() {
        call.requestCancel()
    }
}

/// A context, stream or call ended because one side cancelled it; names who asked.
///
/// ```swift
/// catch let cancelled as ContextCancelled { print("cancelled by", cancelled.canceller) }
/// ```
public struct ContextCancelled: Error, Sendable, CustomStringConvertible {
    /// The actor whose side cancelled.
    public var canceller: ActorID
    /// The job that was cancelled, when known.
    public var job: String?

    /// Creates the error.
    public init(canceller: ActorID, job: String?) {
        self.canceller = canceller
        self.job = job
    }

    /// Who cancelled the context, and which job it ran.
    public var description: String {
        "context" + (job.map { " of job '\($0)'" } ?? "") + " was cancelled by \(canceller)"
    }
}
