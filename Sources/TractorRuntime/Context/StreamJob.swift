//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How many elements a stream's receiver lets the sender have in flight: its flow-control window.
public enum StreamWindow {
    /// 64 elements.
    public static let `default` = 64
}

/// A named job that streams a sequence of values back to its caller, with backpressure.
///
/// The body sends elements through a ``StreamWriter``; `send` suspends while the caller's window is full, so a slow
/// consumer slows the producer and nothing is dropped or buffered without bound. The stream ends when the body
/// returns. Open it with ``Portal/openStream(_:_:window:isolation:_:)``.
///
/// ```swift
/// let ticker = StreamJob("ticker") { (count: Int, out: StreamWriter<Int>) in
///     for tick in 0..<count { try await out.send(tick) }
/// }
/// ```
public struct StreamJob<Input: Codable & Sendable, Element: Codable & Sendable>: JobDefinition {
    /// The job's registered name.
    public let name: String
    private let body: @Sendable (Input, StreamWriter<Element>) async throws -> Void
    /// How the error type the job declares crosses the wire; `nil` when it declares none.
    package let errorCoding: ErrorCoding?

    /// Defines a streaming job.
    ///
    /// - Parameters:
    ///   - name: The name the job is called by.
    ///   - body: Produces the elements; it sees Swift cancellation when the caller stops listening. Its errors reach
    ///     the caller as ``RemoteActorError``.
    public init(_ name: String, _ body: @escaping @Sendable (Input, StreamWriter<Element>) async throws -> Void) {
        self.name = name
        self.body = body
        self.errorCoding = nil
    }

    /// Defines a streaming job whose errors of type `Failure` reach the caller as `Failure`, as
    /// `Job(_:throwing:_:)` does for a call.
    ///
    /// ```swift
    /// let lines = StreamJob("lines", throwing: BadLine.self) { (count: Int, out: StreamWriter<String>) in
    ///     for index in 0..<count {
    ///         if index == 3 { throw BadLine(number: index) }
    ///         try await out.send("line \(index)")
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The name the job is called by.
    ///   - failure: The error type that reaches the caller as itself.
    ///   - body: Produces the elements.
    public init<Failure: Error & Codable>(
        _ name: String,
        throwing failure: Failure.Type,
        _ body: @escaping @Sendable (Input, StreamWriter<Element>) async throws -> Void
    ) {
        self.name = name
        self.body = body
        self.errorCoding = ErrorCoding(failure)
    }

    /// Defines a streaming job from a function returning an `AsyncSequence` of elements.
    ///
    /// ```swift
    /// let lines = StreamJob("lines") { (path: String) in FileLines(path) }
    /// ```
    public init<Elements: AsyncSequence & Sendable>(
        _ name: String,
        elements: @escaping @Sendable (Input) async throws -> Elements
    ) where Elements.Element == Element {
        self.init(name) { input, writer in
            for try await element in try await elements(input) {
                try await writer.send(element)
            }
        }
    }

    /// The type-erased form the runtime serves.
    package var _erased: ErasedJob {
        ErasedJob(
            name: name,
            kind: .stream,
            invoke: { [body] payload, endpoint in
                guard let endpoint else { throw TractorError(.protocolViolation, "a stream job needs a stream") }
                let input = try MessagePackDecoder().decode(Input.self, from: payload)
                try await body(input, StreamWriter(endpoint: endpoint))
                return try MessagePackEncoder().encode(NoInput())
            },
            errorCoding: errorCoding
        )
    }
}

/// The sending side of a stream: each ``send(_:)`` suspends while the receiver has granted no credit.
///
/// - Important: Valid only inside the job or context that received it.
public struct StreamWriter<Element: Encodable & Sendable>: Sendable {
    let endpoint: StreamEndpoint

    /// Sends one element, waiting for credit when the receiver's window is full.
    ///
    /// ```swift
    /// try await out.send(tick)
    /// ```
    ///
    /// - Throws: `CancellationError` when the receiver stopped listening or the call was cancelled.
    nonisolated(nonsending) public func send(_ element: Element) async throws {
        try await endpoint.send(try MessagePackEncoder().encode(element))
    }
}

/// The receiving side of a stream opened with ``Portal/openStream(_:_:window:isolation:_:)``: a single-consumer
/// `AsyncSequence` that ends when the remote job returns.
///
/// - Important: Valid only inside the `openStream` closure.
public struct RemoteStream<Element: Decodable & Sendable>: AsyncSequence, Sendable {
    let endpoint: StreamEndpoint

    /// Iterates the elements in the order the job sent them.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline var reader: StreamReader

        /// The next element, or `nil` once the job has returned.
        public mutating func next() async throws -> Element? {
            try await next(isolation: nil)
        }

        /// The next value, read without leaving the caller's isolation. Inlinable, so that an element already
        /// buffered reaches the caller's loop without an async call (each costs the runtime an executor check, which
        /// takes a lock in a task that prefers an executor, as a nursery's body does).
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
            if reader.hasBuffered { return try reader.take(as: Element.self) }
            return try await reader.next(as: Element.self, isolation: actor)
        }
    }

    /// Makes the iterator (one per stream).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: StreamReader(endpoint: endpoint))
    }
}
