//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorRuntime

/// A `Codable` error that keeps its remote context: the type the typed-error jobs declare.
public struct TypedJobError: Error, Codable, Equatable, RemoteContextCarrying, CustomStringConvertible {
    public var code: Int
    public var note: String
    public var remote: RemoteActorError?

    public init(code: Int, note: String) {
        self.code = code
        self.note = note
    }

    public var description: String { "typed failure \(code): \(note)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.note == rhs.note }
}

/// A `Codable` error without a context: it still crosses as itself.
public enum PlainTypedError: Error, Codable, Equatable {
    case rejected(Int)
}

/// Jobs that declare the error type they throw.
public enum TypedErrorTestJobs {
    /// Returns its input; throws ``TypedJobError`` for a negative one, and an undeclared ``TestJobError`` for zero.
    public static let failTyped = Job("failTyped", throwing: TypedJobError.self) { (code: Int) -> Int in
        if code == 0 { throw TestJobError("zero is not declared") }
        guard code > 0 else { throw TypedJobError(code: code, note: "negative") }
        return code
    }

    /// Returns its input; throws ``PlainTypedError`` for a negative one, from a body with typed throws.
    public static let failPlain = Job("failPlain", throwing: PlainTypedError.self) {
        (value: Int) throws(PlainTypedError) -> Int in
        guard value >= 0 else { throw PlainTypedError.rejected(value) }
        return value
    }

    /// Streams `0..<count`, then throws ``TypedJobError`` with code `count`.
    public static let streamThenFail = StreamJob("streamThenFail", throwing: TypedJobError.self) {
        (count: Int, out: StreamWriter<Int>) in
        for index in 0..<count { try await out.send(index) }
        throw TypedJobError(code: count, note: "after \(count) elements")
    }

    /// Starts an actor `relay-leaf` and runs ``failTyped`` there with `code`, rethrowing what it throws: the error
    /// reaches this job's caller through this actor.
    public static let relayTyped = Job("relayTyped", throwing: TypedJobError.self) { (code: Int) -> Int in
        try await withActorNursery { nursery in
            let leaf = try await nursery.startActor("relay-leaf", jobs: [failTyped])
            return try await leaf.run(failTyped, code)
        }
    }

    public static let all: [any JobDefinition] = [failTyped, failPlain, streamThenFail, relayTyped]
}
