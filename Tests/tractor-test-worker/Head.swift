//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import TractorRuntime
import TractorTestJobs

/// `tractor-test-worker head ENDPOINT HOSTS`: a head in a process of its own, for tests that kill it.
///
/// It listens for host agents on `ENDPOINT` with the secret of `TRACTOR_SECRET` and prints `listening HOST:PORT`; once
/// `HOSTS` agents have joined, it starts one actor (this program) on each, asks each for its pid, prints
/// `ready NAME=PID ...`, and serves until it is killed.
func serveAsHead(on endpoint: String, hosts count: Int) async throws {
    let address = try await Tractor.listenForAgents(on: endpoint)
    say("listening \(address)")
    let names = try await Tractor.waitForHosts(count, timeout: .seconds(120))
    try await withActorNursery { nursery in
        var started: [String] = []
        for name in names {
            let actor = try await nursery.startActor(
                "on-\(name)", on: name, jobs: [TestJobs.pid, TestJobs.echo],
                executable: .path(ActorExecutable.current.path)
            )
            started.append("\(name)=\(try await actor.run(TestJobs.pid))")
        }
        say("ready \(started.joined(separator: " "))")
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}

/// Writes one line to standard output at once (a test reads it from a file while this process runs).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
