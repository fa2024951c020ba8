//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An error type that keeps where it came from when it crosses from another actor: the actor, its process id, the
/// job, the relay path and, for a `map`, the index of the input that failed.
///
/// A job that declares its error type (`Job(_:throwing:_:)`) has its errors of that type rethrown in the
/// caller *as that type*, so `catch let error as BadChunk` matches. The remote context then lives in ``remote``, which
/// the runtime sets when it decodes the error; conforming costs one stored property. Because ``RemoteActorError`` is
/// `Codable` and the property is optional, a synthesized `Codable` conformance needs nothing more: the property is
/// `nil` where the error is raised, and is not encoded then.
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
///     for try await count in pool.map(parse, over: chunks) { print(count) }
/// } catch let error as BadChunk {
///     print(error.offset, error.remote?.source.pid ?? 0, error.remote?.inputIndex ?? -1)
/// }
/// ```
///
/// An error type that does not conform is still rethrown as itself; only the context is not kept.
public protocol RemoteContextCarrying: Error {
    /// Where the error was raised, as ``RemoteActorError`` would have said it (``RemoteActorError/source``,
    /// ``RemoteActorError/job``, ``RemoteActorError/relayPath``, ``RemoteActorError/inputIndex``); `nil` in the
    /// process that raised it.
    var remote: RemoteActorError? { get set }
}
