//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool
import TractorRuntime
import TractorTestSupport

/// The test process as a head (`Tractor.listenForAgents`, once per process), listening on every address so that
/// agents reach it on loopback and from namespace hosts over their bridge.
enum TestHead {
    static let head: Task<(port: UInt16, environment: [String: String]), any Error> = Task {
        let secret = TractorSecret.random()
        let address = try await Tractor.listenForAgents(on: "0.0.0.0:0", secret: secret)
        guard let port = address.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw TractorError(.invalidArgument, "the head's address \(address) has no port")
        }
        return (port, [TractorSecret.environmentVariable: secret.hexEncoded()])
    }

    /// The head's address on loopback.
    static var loopback: String {
        get async throws { "127.0.0.1:\(try await head.value.port)" }
    }

    /// The environment an agent needs: the run's secret.
    static var environment: [String: String] {
        get async throws { try await head.value.environment }
    }

    /// Waits until every host of `names` has joined (any other may have too, or be leaving meanwhile).
    static func waitForHosts(_ names: [String], timeout: Duration = .seconds(60)) async throws {
        _ = try await head.value
        guard let agents = ActorRuntime.agentListener else {
            throw TractorError(.invalidArgument, "the test head does not listen for agents")
        }
        let deadline = ContinuousClock.now + timeout
        for name in names {
            _ = try await agents.waitForHost(named: name, timeout: deadline - ContinuousClock.now)
        }
    }
}
