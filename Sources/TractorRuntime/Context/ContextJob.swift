//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A named job that talks with its caller both ways: a `started` value, then a two-way backpressured stream, then a
/// result.
///
/// `ToJob` is what the caller sends, `FromJob` what the job sends. Open it with
/// ``Portal/openContext(_:_:window:isolation:_:)``.
///
/// ```swift
/// let pingPong = ContextJob("ping-pong") {
///     (first: Int, context: JobContext<Int, String, String>) async throws -> Int in
///     let stream = try await context.started(first)
///     var pongs = 0
///     for try await ping in stream where ping == "ping" {
///         try await stream.send("pong")
///         pongs += 1
///     }
///     return pongs   // the caller finished its side
/// }
/// ```
public struct ContextJob<
    Input: Codable & Sendable,
    Started: Codable & Sendable,
    ToJob: Codable & Sendable,
    FromJob: Codable & Sendable,
    Output: Codable & Sendable
>: JobDefinition {
    /// The job's registered name.
    public let name: String
    private let body: @Sendable (Input, JobContext<Started, ToJob, FromJob>) async throws -> Output
    /// How the error type the job declares crosses the wire; `nil` when it declares none.
    package let errorCoding: ErrorCoding?

    /// Defines a context job.
    ///
    /// - Parameters:
    ///   - name: The name the job is called by.
    ///   - body: Must call ``JobContext/started(_:)`` once before talking; its return value ends the context. Its
    ///     errors reach the caller as ``RemoteActorError``.
    public init(
        _ name: String,
        _ body: @escaping @Sendable (Input, JobContext<Started, ToJob, FromJob>) async throws -> Output
    ) {
        self.name = name
        self.body = body
        self.errorCoding = nil
    }

    /// Defines a context job whose errors of type `Failure` reach the caller as `Failure`, as
    /// `Job(_:throwing:_:)` does for a call.
    ///
    /// ```swift
    /// let echo = ContextJob("strict-echo", throwing: BadMessage.self) {
    ///     (_: NoInput, context: JobContext<Bool, String, String>) async throws -> Int in
    ///     let stream = try await context.started(true)
    ///     var count = 0
    ///     for try await text in stream {
    ///         guard !text.isEmpty else { throw BadMessage(index: count) }
    ///         try await stream.send(text)
    ///         count += 1
    ///     }
    ///     return count
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The name the job is called by.
    ///   - failure: The error type that reaches the caller as itself.
    ///   - body: As for ``init(_:_:)``.
    public init<Failure: Error & Codable>(
        _ name: String,
        throwing failure: Failure.Type,
        _ body: @escaping @Sendable (Input, JobContext<Started, ToJob, FromJob>) async throws -> Output
    ) {
        self.name = name
        self.body = body
        self.errorCoding = ErrorCoding(failure)
    }

    /// The type-erased form the runtime serves.
    package var _erased: ErasedJob {
        ErasedJob(
            name: name,
            kind: .context,
            invoke: { [body] payload, endpoint in
                guard let endpoint else { throw TractorError(.protocolViolation, "a context job needs a stream") }
                let input = try MessagePackDecoder().decode(Input.self, from: payload)
                let output = try await body(input, JobContext(endpoint: endpoint))
                return try MessagePackEncoder().encode(output)
            },
            errorCoding: errorCoding
        )
    }
}

/// The job's side of a context: send the `started` value, then use the stream.
///
/// - Important: Valid only inside the context job's body.
public struct JobContext<Started: Encodable & Sendable, ToJob: Decodable & Sendable, FromJob: Encodable & Sendable>:
    Sendable
{
    let endpoint: StreamEndpoint

    /// Sends the context's first value to the caller and opens the two-way stream.
    ///
    /// ```swift
    /// let stream = try await context.started(10)
    /// ```
    ///
    /// - Important: Call it once. A second call throws, and the context fails with that error on the caller's side
    ///   even if the job goes on.
    /// - Throws: ``TractorError`` `.protocolViolation` when called a second time; `.encodingFailed` or `.channelClosed`
    ///   when the value cannot be sent.
    public func started(_ value: Started) async throws -> MsgStream<FromJob, ToJob> {
        try endpoint.sendStarted(try MessagePackEncoder().encode(value))
        try endpoint.grantInitialWindow()
        return MsgStream(endpoint: endpoint)
    }
}

/// One side of a context's two-way stream: send `Send` values, iterate `Receive` values.
///
/// Each direction is flow-controlled on its own: ``send(_:)`` suspends while the other side's window is full.
/// ``finish()`` ends this side's direction; the other side's iteration then ends cleanly.
///
/// ```swift
/// try await ctx.stream.send("ping")
/// for try await reply in ctx.stream { print(reply); break }
/// ctx.stream.finish()
/// ```
///
/// - Important: Single consumer; valid only inside the context that produced it.
public struct MsgStream<Send: Encodable & Sendable, Receive: Decodable & Sendable>: AsyncSequence, Sendable {
    let endpoint: StreamEndpoint

    /// Sends one value, waiting for credit when the other side's window is full.
    nonisolated(nonsending) public func send(_ value: Send) async throws {
        try await endpoint.send(try MessagePackEncoder().encode(value))
    }

    /// Ends this side's direction of the stream.
    public func finish() {
        endpoint.finish()
    }

    /// Iterates the values the other side sends.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var reader: StreamReader

        /// The next value, or `nil` once the other side finished its direction.
        public mutating func next() async throws -> Receive? {
            try await next(isolation: nil)
        }

        /// The next value, read without leaving the caller's isolation.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Receive? {
            if reader.hasBuffered { return try reader.take(as: Receive.self) }
            return try await reader.next(as: Receive.self, isolation: actor)
        }
    }

    /// Makes the iterator (one per stream).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: StreamReader(endpoint: endpoint))
    }
}
