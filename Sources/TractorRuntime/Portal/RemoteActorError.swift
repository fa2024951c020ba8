//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An error raised in another actor process, carried here with its origin.
///
/// A remote failure arrives boxed, as this type: match on ``typeName`` and read ``message``, ``source`` and
/// ``relayPath``. When a tree of nurseries passes the error up, every actor it crosses is appended to ``relayPath``,
/// nearest the source first. The exception is an error of the type its job declares (`Job(_:throwing:_:)`):
/// it is rethrown as that type, and this value becomes its context (``RemoteContextCarrying``).
///
/// ```swift
/// do {
///     try await withActorNursery { nursery in
///         _ = try await nursery.runInActor(parse, "not a number", name: "parser")
///     }
/// } catch let error as RemoteActorError {
///     print(error.typeName, error.message, error.source.name)   // "MyApp.ParseError", "…", "parser"
/// }
/// ```
public struct RemoteActorError: Error, Sendable, CustomStringConvertible {
    /// What crossed the wire.
    package let info: RemoteErrorInfo

    /// For an error of one of a `map`'s inputs, that input's index in the map's input (from 0); otherwise `nil`.
    public package(set) var inputIndex: Int?

    /// Wraps an error description received from another actor.
    package init(_ info: RemoteErrorInfo, inputIndex: Int? = nil) {
        self.info = info
        self.inputIndex = inputIndex
    }

    /// The actor where the error was first raised.
    public var source: ActorID { info.source }
    /// The Swift type name of the original error, such as `"MyApp.ParseError"`.
    public var typeName: String { info.typeName }
    /// The original error's description.
    public var message: String { info.message }
    /// A backtrace of the failing task, where the runtime could take one.
    public var backtrace: String? { info.backtrace }
    /// The job that failed, if the error came from a job.
    public var job: String? { info.job }
    /// The `TractorError.Code` name when the original error was a ``TractorError`` (such as `"unknownJob"`).
    public var code: String? { info.code }
    /// The actors the error passed through on its way here, nearest the source first.
    public var relayPath: [ActorID] { info.relayPath }
    /// The host the error came from, when the actor this process heard it from (the last of ``relayPath``, or the
    /// ``source`` when it came straight from there) runs on another host, beneath a host agent: the name that agent
    /// joined under. `nil` for an actor of this host.
    ///
    /// ```swift
    /// catch let error as RemoteActorError {
    ///     print(error.host ?? "this host")   // "node-1"
    /// }
    /// ```
    public var host: String? { info.host }
    /// Further errors that failed together with this one in the remote actor's nursery.
    public var nested: [RemoteActorError] { info.nested.map { RemoteActorError($0) } }

    /// Whether the original error had the given type name, such as `"MyApp.ParseError"` or just `"ParseError"`.
    ///
    /// ```swift
    /// catch let error as RemoteActorError where error.isRemote("ParseError") { ... }
    /// ```
    public func isRemote(_ typeName: String) -> Bool {
        info.typeName == typeName || info.typeName.hasSuffix("." + typeName)
    }

    /// The source actor, the job (and input), the original type and message, and the relay path, on one line; the
    /// actor it came from here is followed by its host when that is another (``host``).
    ///
    /// The type's name is left out where the message already starts with it, as a ``TractorError``'s does.
    public var description: String {
        let onHost = info.host.map { " on host '\($0)'" } ?? ""
        var text = "RemoteActorError from \(info.source)" + (info.relayPath.isEmpty ? onHost : "")
        if let job = info.job { text += " in job '\(job)'" }
        if let inputIndex { text += " for input \(inputIndex)" }
        let shortName = info.typeName.split(separator: ".").last.map(String.init) ?? info.typeName
        if shortName.isEmpty || !info.message.hasPrefix(shortName) {
            text += ": \(info.typeName)"
        }
        text += ": \(info.message)"
        if !info.relayPath.isEmpty {
            text += " (relayed through " + info.relayPath.map(\.description).joined(separator: " → ") + onHost + ")"
        }
        if !info.nested.isEmpty {
            text += " with \(info.nested.count) more: " + nested.map(\.description).joined(separator: "; ")
        }
        return text
    }
}

extension RemoteErrorInfo {
    /// Describes `error`, raised in the actor `actor` (while running `job`), for sending to another actor.
    ///
    /// A ``RemoteActorError`` passing through keeps its source and gains `actor` on its relay path, and so does every
    /// error nested in it; an ``ActorNurseryError`` becomes its first error with the others nested.
    static func describing(_ error: any Error, in actor: ActorID, job: String?) -> RemoteErrorInfo {
        switch error {
        case let remote as RemoteActorError:
            return remote.info.relayed(through: actor)
        case let group as ActorNurseryError:
            var infos = group.errors.map { describing($0, in: actor, job: job) }
            var first = infos.removeFirst()
            first.nested += infos
            return first
        case let tractor as TractorError:
            return RemoteErrorInfo(
                source: actor,
                typeName: "TractorRuntime.TractorError",
                message: tractor.description,
                backtrace: "raised at \(tractor.file):\(tractor.line)",
                job: job,
                code: tractor.code.description
            )
        default:
            return RemoteErrorInfo(
                source: actor,
                typeName: _typeName(type(of: error), qualified: true),
                message: String(describing: error),
                backtrace: sys_call_stack_symbols().dropFirst().joined(separator: "\n"),
                job: job
            )
        }
    }

    /// This error, and every error nested in it, as it leaves `actor` for the next hop. The host it was heard from
    /// belongs to the hop before `actor`, so it is dropped.
    func relayed(through actor: ActorID) -> RemoteErrorInfo {
        var info = self
        info.relayPath.append(actor)
        info.host = nil
        info.nested = nested.map { $0.relayed(through: actor) }
        return info
    }
}
