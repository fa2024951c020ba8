//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@_spi(Benchmarks) @testable import TractorRuntime
import TractorTestJobs

/// Errors of a job's declared type cross the wire as themselves, over an in-memory transport pair: calls, batches,
/// streams and contexts. No process is spawned.
@Suite(.timeLimit(.minutes(1)))
struct TypedErrorProtocolTests {
    static let failTyped = TypedErrorTestJobs.failTyped
    /// The same job as the caller of another build sees it: it declares another error type.
    static let failTypedElsewhere = Job("failTyped", throwing: PlainTypedError.self) { (code: Int) in code }
    /// The same job as a caller that declares nothing sees it.
    static let failTypedUndeclared = Job("failTyped") { (code: Int) in code }

    @Test func aCallsDeclaredErrorIsCaughtByItsTypeWithItsContext() async throws {
        let peers = try await InMemoryPeers.connect(serving: [Self.failTyped])
        let error = await #expect(throws: TypedJobError.self) { try await peers.portal.run(Self.failTyped, -7) }
        #expect(error == TypedJobError(code: -7, note: "negative"))
        #expect(error?.remote?.source == InMemoryPeers.serverID)
        #expect(error?.remote?.job == "failTyped")
        #expect(error?.remote?.typeName == "TractorTestJobs.TypedJobError")
        #expect(error?.remote?.inputIndex == nil)
        #expect(error?.remote?.relayPath == [])
        // An error of another type from the same job stays boxed.
        let other = await #expect(throws: RemoteActorError.self) { try await peers.portal.run(Self.failTyped, 0) }
        #expect(other?.typeName == "TractorTestJobs.TestJobError")
        #expect(try await peers.portal.run(Self.failTyped, 3) == 3)
        await peers.close()
    }

    @Test func anEnumWithoutContextFromATypedThrowsBodyCrossesAsItself() async throws {
        let job = TypedErrorTestJobs.failPlain
        let peers = try await InMemoryPeers.connect(serving: [job])
        let error = await #expect(throws: PlainTypedError.self) { try await peers.portal.run(job, -2) }
        #expect(error == .rejected(-2))
        await peers.close()
    }

    @Test func anErrorTheCallerCannotDecodeKeepsItsTypeName() async throws {
        let peers = try await InMemoryPeers.connect(serving: [Self.failTyped])
        for job in [Self.failTypedElsewhere, Self.failTypedUndeclared] {
            let error = await #expect(throws: RemoteActorError.self) { try await peers.portal.run(job, -1) }
            #expect(error?.typeName == "TractorTestJobs.TypedJobError")
            #expect(error?.isRemote("TypedJobError") == true)
            #expect(error?.message == "typed failure -1: negative")
        }
        await peers.close()
    }

    @Test func aBatchGivesEachFailedInputItsTypedErrorAndIndex() async throws {
        let peers = try await InMemoryPeers.connect(serving: [Self.failTyped])
        let results = try await peers.portal.run(Self.failTyped, batch: [1, -2, 3, 0, -5])
        #expect(results.count == 5)
        #expect((try? results[2].get()) == 3)
        for (index, code) in [(1, -2), (4, -5)] {
            guard case .failure(let failure) = results[index], let error = failure as? TypedJobError else {
                Issue.record("input \(index) should have failed with TypedJobError: \(results[index])")
                continue
            }
            #expect(error.code == code)
            #expect(error.remote?.inputIndex == index)
        }
        guard case .failure(let undeclared) = results[3], let boxed = undeclared as? RemoteActorError else {
            Issue.record("input 3 should have failed with RemoteActorError: \(results[3])")
            await peers.close()
            return
        }
        #expect(boxed.inputIndex == 3)
        #expect(boxed.description.contains("for input 3"))
        await peers.close()
    }

    @Test func aStreamsDeclaredErrorEndsItsIterationAsItsType() async throws {
        let job = TypedErrorTestJobs.streamThenFail
        let peers = try await InMemoryPeers.connect(serving: [job])
        var received: [Int] = []
        let error = await #expect(throws: TypedJobError.self) {
            try await peers.portal.openStream(job, 4) { stream in
                for try await element in stream { received.append(element) }
            }
        }
        #expect(received == [0, 1, 2, 3])
        #expect(error?.code == 4)
        #expect(error?.remote?.job == "streamThenFail")
        await peers.close()
    }

    @Test func aContextsDeclaredErrorComesBackAsItsType() async throws {
        let strict = ContextJob("strict", throwing: TypedJobError.self) {
            (_: NoInput, context: JobContext<Bool, String, String>) async throws -> Int in
            let stream = try await context.started(true)
            for try await text in stream where text.isEmpty {
                throw TypedJobError(code: 9, note: "empty message")
            }
            return 0
        }
        let peers = try await InMemoryPeers.connect(serving: [strict])
        let error = await #expect(throws: TypedJobError.self) {
            try await peers.portal.openContext(strict, NoInput()) { context, _ in
                try await context.stream.send("")
                return try await context.result()
            }
        }
        #expect(error?.note == "empty message")
        await peers.close()
    }

    @Test func remoteErrorsRoundTripThroughCodable() throws {
        let info = RemoteErrorInfo(
            source: InMemoryPeers.serverID, typeName: "M.E", message: "m", job: "j",
            relayPath: [InMemoryPeers.clientID], payload: [1, 2]
        )
        let error = RemoteActorError(info, inputIndex: 4)
        let copy = try MessagePackDecoder().decode(RemoteActorError.self, from: MessagePackEncoder().encode(error))
        #expect(copy.info == info)
        #expect(copy.inputIndex == 4)
        // A context-carrying error encodes without its context where it is raised.
        let fresh = try MessagePackDecoder().decode(
            TypedJobError.self, from: MessagePackEncoder().encode(TypedJobError(code: 1, note: "n"))
        )
        #expect(fresh.remote == nil)
    }
}
