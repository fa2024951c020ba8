//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A named, typed function that actor processes may run: the unit of remote work.
///
/// A job is a value: define it once, at file scope, in a module that both the calling process and the worker process
/// link, and list it in ``Tractor/bootstrap(jobs:configuration:)`` so that workers serve it. The list is the capability
/// list: a name that is not on it cannot be called remotely. Inputs and outputs cross process boundaries as
/// MessagePack, so they are `Codable & Sendable`.
///
/// ```swift
/// let isPrime = Job("is_prime") { (n: Int) -> Bool in
///     n >= 2 && !(2..<max(2, Int(Double(n).squareRoot()) + 1)).contains { n % $0 == 0 && $0 != n }
/// }
///
/// try await withActorNursery { nursery in
///     let portal = try await nursery.runInActor(isPrime, 97, name: "checker")
///     print(try await portal.result())   // true
/// }
/// ```
///
/// Inside a job, cancellation is ordinary Swift cancellation: when the caller's task is cancelled, the job's task is
/// cancelled (`Task.isCancelled`, `Task.checkCancellation()`, cancellable sleeps).
///
/// A job's errors reach the caller as ``RemoteActorError``, unless the job declares their type, a `Codable` error
/// type, with `throwing:`: errors of that type are then rethrown in the caller as that type (``RemoteContextCarrying``
/// keeps where they came from); the body may use typed throws.
///
/// Every initializer requires `Input` and `Output` to be `Codable`; the type itself asks only `Sendable` of them, so
/// that a process that lists its jobs (a worker at start-up) makes their types without the Swift runtime searching
/// every `Codable` conformance of the program for each of them.
public struct Job<Input: Sendable, Output: Sendable>: Sendable, JobDefinition {
    /// The job's registered name; unique within a process's job list.
    public let name: String
    let body: @Sendable (Input) async throws -> Output
    /// How the error type the job declares crosses the wire; `nil` when it declares none.
    package let errorCoding: ErrorCoding?
    /// The form the runtime serves, made where `Input` and `Output` are known to be `Codable`.
    private let served: @Sendable (Job) -> ErasedJob

    /// Defines a job.
    ///
    /// - Parameters:
    ///   - name: The name the job is called by; unique within a process's job list.
    ///   - body: The function to run. It runs in the actor process, on the Swift concurrency pool. Its errors reach
    ///     the caller as ``RemoteActorError``.
    public init(_ name: String, _ body: @escaping @Sendable (Input) async throws -> Output)
    where Input: Codable, Output: Codable {
        self.name = name
        self.body = body
        self.errorCoding = nil
        self.served = { $0.erasedCodable() }
    }

    /// Defines a job whose errors of type `Failure` reach the caller as `Failure`.
    ///
    /// The error crosses the wire encoded with `Failure`'s `Codable` conformance, and the caller decodes it with the
    /// same type: `catch let error as BadChunk` matches in the caller, for a call, a `submit` and a `map`. Errors of
    /// other types (a `CancellationError`, a ``TractorError``) still arrive as they would without the declaration.
    /// The body may use typed throws, `{ (chunk: [UInt8]) throws(BadChunk) -> Int in … }`.
    ///
    /// ```swift
    /// struct BadChunk: Error, Codable, RemoteContextCarrying {
    ///     var offset: Int
    ///     var remote: RemoteActorError?
    /// }
    ///
    /// let parse = Job("parse", throwing: BadChunk.self) { (chunk: [UInt8]) -> Int in
    ///     guard chunk.first == 0x7b else { throw BadChunk(offset: 0) }
    ///     return chunk.count
    /// }
    ///
    /// do {
    ///     _ = try await portal.run(parse, [0x00])
    /// } catch let error as BadChunk {
    ///     print(error.offset, error.remote?.source.name ?? "-")   // 0 parser
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The name the job is called by; unique within a process's job list.
    ///   - failure: The error type that reaches the caller as itself. A value that does not decode in the caller
    ///     (another build of the job) arrives as ``RemoteActorError`` with the type's name.
    ///   - body: The function to run, in the actor process.
    public init<Failure: Error & Codable>(
        _ name: String,
        throwing failure: Failure.Type,
        _ body: @escaping @Sendable (Input) async throws -> Output
    ) where Input: Codable, Output: Codable {
        self.name = name
        self.body = body
        self.errorCoding = ErrorCoding(failure)
        self.served = { $0.erasedCodable() }
    }

    /// Runs the job's body in this process.
    ///
    /// ```swift
    /// let doubled = try await Job("double") { (x: Int) in 2 * x }.callAsFunction(21)   // 42
    /// ```
    public func callAsFunction(_ input: Input) async throws -> Output {
        try await body(input)
    }

    /// The type-erased form the runtime serves.
    package var _erased: ErasedJob { served(self) }

    private func erasedCodable() -> ErasedJob where Input: Codable, Output: Codable {
        ErasedJob(
            name: name,
            kind: .call,
            invoke: { [body] payload, _ in
                let input = try MessagePackDecoder().decode(Input.self, from: payload)
                let output = try await body(input)
                return try MessagePackEncoder().encode(output)
            },
            invokeBatch: batchInvoker,
            errorCoding: errorCoding
        )
    }
}

extension Job where Input == NoInput, Output: Codable {
    /// Defines a job that takes no input.
    ///
    /// ```swift
    /// let question = Job("question") { "What is the answer?" }
    /// ```
    public init(_ name: String, _ body: @escaping @Sendable () async throws -> Output) {
        self.init(name) { (_: NoInput) in try await body() }
    }

    /// Defines a job that takes no input and whose errors of type `Failure` reach the caller as `Failure`.
    ///
    /// ```swift
    /// let check = Job("check", throwing: CheckFailure.self) { try runChecks() }
    /// ```
    public init<Failure: Error & Codable>(
        _ name: String,
        throwing failure: Failure.Type,
        _ body: @escaping @Sendable () async throws -> Output
    ) {
        self.init(name, throwing: failure) { (_: NoInput) in try await body() }
    }
}

/// The input of a job that takes none.
///
/// ```swift
/// let question = Job("question") { "What is the answer?" }   // a Job<NoInput, String>
/// print(try await frank.run(question))
/// ```
public struct NoInput: Codable, Sendable, Hashable {
    /// The empty input.
    public init() {}
}

/// A job of any input and output type, as listed in ``Tractor/bootstrap(jobs:configuration:)``.
///
/// ``Job``, ``StreamJob`` and ``ContextJob`` conform, and only they can be served: a list that holds a value of any
/// other conforming type is refused with ``TractorError`` `.invalidArgument`.
///
/// ```swift
/// let jobs: [any JobDefinition] = [isPrime, ticker, echo]
/// try await Tractor.bootstrap(jobs: jobs)
/// ```
public protocol JobDefinition: Sendable {
    /// The job's registered name.
    var name: String { get }
}

/// A job the runtime can serve: one of ``Job``, ``StreamJob`` and ``ContextJob``.
package protocol ErasableJob: JobDefinition {
    /// The type-erased form the runtime serves.
    var _erased: ErasedJob { get }
}

extension Job: ErasableJob {}
extension StreamJob: ErasableJob {}
extension ContextJob: ErasableJob {}

extension JobDefinition {
    /// The type-erased form the runtime serves.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` for a type other than ``Job``, ``StreamJob`` and ``ContextJob``.
    package func erased() throws(TractorError) -> ErasedJob {
        guard let job = self as? any ErasableJob else {
            throw TractorError(
                .invalidArgument,
                "'\(name)' is a \(type(of: self)); only Job, StreamJob and ContextJob values can be served"
            )
        }
        return job._erased
    }
}

/// A job with its types erased: decodes the payload, runs, encodes the result.
package struct ErasedJob: Sendable {
    let name: String
    let kind: CallKind
    /// Runs the job: decodes the input from the payload, streams through the endpoint (stream and context jobs),
    /// and returns the encoded output.
    let invoke: @Sendable ([UInt8], StreamEndpoint?) async throws -> [UInt8]
    /// Runs a batch of the job's inputs for the actor `ActorID` (see ``Batch``); `nil` for jobs that are not call
    /// jobs.
    let invokeBatch: (@Sendable ([UInt8], ActorID) async throws -> BatchResults)?
    /// How the error type the job declares crosses the wire; `nil` when it declares none.
    let errorCoding: ErrorCoding?

    init(
        name: String,
        kind: CallKind,
        invoke: @escaping @Sendable ([UInt8], StreamEndpoint?) async throws -> [UInt8],
        invokeBatch: (@Sendable ([UInt8], ActorID) async throws -> BatchResults)? = nil,
        errorCoding: ErrorCoding? = nil
    ) {
        self.name = name
        self.kind = kind
        self.invoke = invoke
        self.invokeBatch = invokeBatch
        self.errorCoding = errorCoding
    }
}
