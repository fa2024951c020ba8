//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

/// What the libraries log, read from a program's output: nothing alarming when all goes well, and at `trace` level
/// the life of a pool, step by step.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LogTests {
    /// The log lines of `text` at one of `levels` (swift-log's stream handler writes `TIME LEVEL LABEL: …`).
    static func lines(at levels: [String], in text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { line in
            levels.contains { line.contains(" \($0) tractor") }
        }
    }

    @Test func theWholeTourLogsNoErrorAndNoWarning() async throws {
        // Pools (a map, futures), nurseries, an actor that fails as the tour expects, streams, cancellation of a pool
        // and of its jobs, and pinning: all of it goes well, so nothing is logged at `info` level or above.
        let tour = try CommandRunner.executable("tour")
        let outcome = try await CommandRunner.run(tour, [], environment: ["TRACTOR_LOG_LEVEL": "info"])
        #expect(outcome.exited && outcome.status == 0, "tour failed: \(outcome.error)")
        let logged = Self.lines(at: ["warning", "error", "critical"], in: outcome.output + "\n" + outcome.error)
        #expect(logged.isEmpty, "a green tour logged:\n\(logged.joined(separator: "\n"))")
    }

    @Test func traceLevelShowsThePoolAtWork() async throws {
        let tour = try CommandRunner.executable("tour")
        let outcome = try await CommandRunner.run(tour, ["pool"], environment: ["TRACTOR_LOG_LEVEL": "trace"])
        #expect(outcome.exited && outcome.status == 0, "tour failed: \(outcome.error)")
        let text = outcome.output + "\n" + outcome.error
        let debug = Self.lines(at: ["debug", "trace"], in: text).joined(separator: "\n")
        for expected in [
            "opening a process pool",  // the pool and its plan
            "spawned actor 'pool-worker-0' as pid",  // spawn: pid, executable, binding
            "joined parent",  // the worker's side of the handshake
            "and was sent its spawn spec",  // the parent's side
            "is up as pid",  // the worker's binding read back
            "chunks of job",  // chunk sizing
            "started for",  // a job starts in a worker
            "returned after",  // and ends, with its time
            "back after",  // a chunk comes back to the pool
            "closing the process pool",  // teardown
            "tearing down actor",
            "teardown of actor",
            "closed the process pool",
        ] {
            #expect(debug.contains(expected), "no log line with \"\(expected)\" at trace level:\n\(debug.suffix(4000))")
        }
        // A worker makes its logger when it first logs: its lines still name it.
        let joined = debug.split(separator: "\n").filter { $0.contains("joined parent") }
        #expect(!joined.isEmpty && joined.allSatisfy { $0.contains("actor=pool-worker-") }, "\(joined)")
        #expect(Self.lines(at: ["warning", "error", "critical"], in: text).isEmpty)
    }
}
