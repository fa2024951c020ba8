//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
@testable import TractorRuntime

/// The error types say what happened once, through `description` and through Foundation's `localizedDescription`.
@Suite struct ErrorDescriptionTests {
    static let source = ActorID(name: "parser", uid: "p-1", pid: 4_242)

    static let remote = RemoteActorError(
        RemoteErrorInfo(source: source, typeName: "MyApp.ParseError", message: "bad digit", job: "parse")
    )

    static var everyType: [any Error & CustomStringConvertible] {
        [
            TractorError(.timedOut, "the call did not answer within 1 s"),
            remote,
            ActorNurseryError(errors: [remote, TractorError(.actorCrashed, "actor x[1] was killed by signal 9")]),
            ContextCancelled(canceller: source, job: "echo"),
        ]
    }

    @Test func localizedDescriptionIsTheDescription() {
        for error in Self.everyType {
            #expect(error.localizedDescription == error.description, "\(type(of: error))")
            #expect(!error.localizedDescription.contains("The operation could not be completed"))
        }
    }

    @Test func aCauseTheMessageAlreadySaysIsNotRepeated() {
        let inner = TractorError(.truncatedData, "need 4 more bytes")
        let said = TractorError(.malformedData, "field cid: \(inner.message)", cause: inner)
        #expect(said.description == "TractorError.malformedData: field cid: need 4 more bytes")
        let whole = TractorError(.encodingFailed, "could not frame: \(inner)", cause: inner)
        #expect(!whole.description.contains("caused by"))
        let unsaid = TractorError(.spawnFailed, "could not start 'w'", cause: inner)
        #expect(unsaid.description == "TractorError.spawnFailed: could not start 'w' (caused by: \(inner))")
        // The cause's own cause still shows when only the cause's message was said.
        let deep = TractorError(.malformedData, "bad: \(inner.message)", cause: TractorError(
            .truncatedData, inner.message, cause: CancellationError()
        ))
        #expect(deep.description.hasSuffix("(caused by: CancellationError())"))
    }

    @Test func aRemoteErrorSaysItsTypeOnceAndItsInput() {
        #expect(
            Self.remote.description == "RemoteActorError from parser[4242] in job 'parse': MyApp.ParseError: bad digit"
        )
        let tractor = RemoteErrorInfo.describing(TractorError(.unknownJob, "no job 'x'"), in: Self.source, job: "x")
        let boxed = RemoteActorError(tractor, inputIndex: 7)
        #expect(
            boxed.description
                == "RemoteActorError from parser[4242] in job 'x' for input 7: TractorError.unknownJob: no job 'x'"
        )
    }
}
