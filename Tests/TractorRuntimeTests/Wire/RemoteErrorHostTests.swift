//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
@testable @_spi(Benchmarks) import TractorRuntime

/// The host a remote error was heard from: set by the receiving side, shown with the actor it came from, never sent.
@Suite struct RemoteErrorHostTests {
    static let far = ActorID(name: "far", uid: "f4", pid: 31)
    static let leaf = ActorID(name: "leaf", uid: "1e", pid: 32)

    @Test func theHostFollowsTheActorTheErrorCameFrom() {
        let direct = RemoteErrorInfo(source: Self.far, typeName: "App.Oops", message: "oops", job: "work")
        let heard = RemoteActorError(direct.withHost("node-1"))
        #expect(heard.host == "node-1")
        #expect(heard.description == "RemoteActorError from far[31] on host 'node-1' in job 'work': App.Oops: oops")
        #expect(RemoteActorError(direct).host == nil)
        #expect(!RemoteActorError(direct).description.contains("on host"))

        let nested = RemoteErrorInfo(source: Self.leaf, typeName: "App.Oops", message: "too", relayPath: [Self.far])
        let relayed = RemoteErrorInfo(
            source: Self.leaf, typeName: "App.Oops", message: "oops", relayPath: [Self.far], nested: [nested]
        )
        let heardRelayed = RemoteActorError(relayed.withHost("node-1"))
        #expect(heardRelayed.description.hasPrefix("RemoteActorError from leaf[32]: App.Oops: oops"))
        #expect(heardRelayed.description.contains("(relayed through far[31] on host 'node-1')"))
        #expect(heardRelayed.nested.map(\.host) == ["node-1"])
        #expect(RemoteActorError(relayed.withHost(nil)).host == nil)
    }

    @Test func relayingOnDropsTheHostAndTheWireNeverCarriesIt() throws {
        let heard = RemoteErrorInfo(source: Self.far, typeName: "App.Oops", message: "oops").withHost("node-1")
        // Relayed on from here, the host belonged to the hop before: the next hop is this process.
        #expect(heard.relayed(through: Self.leaf).host == nil)
        var bytes: [UInt8] = []
        try Message.error(cid: 7, heard).encode(into: &bytes)
        guard case .error(7, let decoded) = try Message.decode(from: bytes) else {
            Issue.record("the error did not round-trip")
            return
        }
        var sent = heard
        sent.host = nil
        #expect(decoded == sent)
    }
}
