//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// How the error type a job declares crosses the wire: the actor that raises such an error encodes it into the error
/// it sends, and the caller decodes it and throws it as that type.
///
/// A job carries one (see `Job(_:throwing:_:)`), so both sides hold the same type: nothing is looked up by
/// name. The type's name travels too, and a value is decoded only when the names agree, so two builds whose job
/// declares different types fall back to ``RemoteActorError``.
package struct ErrorCoding: Sendable {
    /// The declared type's full name, as `String(reflecting:)` spells it.
    package let typeName: String
    /// Whether an error is of the declared type, exactly.
    private let isDeclaredType: @Sendable (any Error) -> Bool
    private let encodeValue: @Sendable (any Error) -> [UInt8]?
    private let decodeValue: @Sendable ([UInt8], RemoteActorError) -> (any Error)?

    /// The coding of `Failure`.
    package init<Failure: Error & Codable>(_: Failure.Type) {
        // The name as the runtime keeps it, which `String(reflecting:)` prints for a type. Asked directly: the
        // printing path first tries each of the printing protocols on the metatype, each a scan of every
        // conformance record of the process the first time, which made this a measurable part of a worker's start.
        typeName = _typeName(Failure.self, qualified: true)
        isDeclaredType = { error in ObjectIdentifier(type(of: error)) == ObjectIdentifier(Failure.self) }
        encodeValue = { error in
            guard let failure = error as? Failure else { return nil }
            return try? MessagePackEncoder().encode(failure)
        }
        decodeValue = { payload, remote in
            guard let failure = try? MessagePackDecoder().decode(Failure.self, from: payload) else { return nil }
            guard var carrying = failure as? any RemoteContextCarrying else { return failure }
            carrying.remote = remote
            return carrying
        }
    }

    /// `error` encoded, when it is of the declared type (exactly: a subclass keeps its own name, and is not).
    package func encode(_ error: any Error) -> [UInt8]? {
        guard isDeclaredType(error) else { return nil }
        return encodeValue(error)
    }

    /// The error `remote` carries, decoded as the declared type, with `remote` as its context when the type is
    /// ``RemoteContextCarrying``; `nil` when it carries none, or one of another type, or one that does not decode.
    package func decode(_ remote: RemoteActorError) -> (any Error)? {
        guard let payload = remote.info.payload, remote.info.typeName == typeName else { return nil }
        return decodeValue(payload, remote)
    }
}

extension ErrorCoding? {
    /// The error to throw for `remote`: the declared type's value when it carries one, else `remote` itself. A
    /// `map`'s caller passes the failed input's index, which the context keeps.
    package func thrown(for remote: RemoteActorError, inputIndex: Int? = nil) -> any Error {
        var remote = remote
        if let inputIndex { remote.inputIndex = inputIndex }
        return self?.decode(remote) ?? remote
    }

    /// `error` as the caller should see it: a ``RemoteActorError`` decoded as the declared type where it carries one;
    /// anything else unchanged.
    package func thrown(forAny error: any Error) -> any Error {
        guard let remote = error as? RemoteActorError else { return error }
        return thrown(for: remote)
    }
}

extension RemoteErrorInfo {
    /// Describes `error`, raised in `actor` while running `job`, with its value encoded when it is of the type
    /// `errors` declares.
    ///
    /// An error that carries the context of an earlier hop (a ``RemoteContextCarrying`` error decoded from another
    /// actor and thrown on) keeps its source, job and relay path, gaining `actor`, as a ``RemoteActorError`` does.
    static func describing(
        _ error: any Error,
        in actor: ActorID,
        job: String?,
        errors: ErrorCoding?
    ) -> RemoteErrorInfo {
        if let carrying = error as? any RemoteContextCarrying, let earlier = carrying.remote {
            var info = earlier.info.relayed(through: actor)
            info.payload = errors?.encode(error) ?? info.payload
            return info
        }
        var info = describing(error, in: actor, job: job)
        info.payload = errors?.encode(error)
        return info
    }
}
