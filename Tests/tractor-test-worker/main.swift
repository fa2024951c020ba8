//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The worker executable of the integration tests: serves the test jobs (a test runner cannot be re-executed as a
// worker, since it would run the tests again). Run by hand as `tractor-test-worker hold-tree DIR N`, it is a root that
// builds a two-level tree (a holder actor with N daemons below it), records every pid in DIR and waits to be killed.
// Run as `tractor-test-worker start-many N`, it is a root that starts N daemons at once in one nursery, asks each
// for its pid, reports the time it took and the memory the tree held, and ends the nursery. Run as
// `tractor-test-worker adopt-orphans REPORT PROGRAM ARGS...`, it is no actor at all: it runs the program below a child
// subreaper and reports the children the program left behind (see `adoptOrphans(report:command:)`). Run as
// `tractor-test-worker startup-errors [DESCRIPTORS]`, it reports what the runtime throws when it cannot start (see
// `reportStartupErrors(descriptorLimit:)`). Run as `tractor-test-worker head ENDPOINT HOSTS`, it is a head that host
// agents join, with one actor on each (see `serveAsHead(on:hosts:)`), until it is killed. Run as
// `tractor-test-worker round-trips N`, it is a root that calls one actor N times, one call at a time, and ends.

import Foundation
import TractorRuntime
import TractorTestJobs

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "adopt-orphans" {
    exit(adoptOrphans(report: CommandLine.arguments[2], command: Array(CommandLine.arguments.dropFirst(3))))
}

if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "startup-errors" {
    exit(await reportStartupErrors(descriptorLimit: CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) }))
}

try await Tractor.bootstrap(jobs: TestJobs.all)

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "head", let hosts = Int(arguments[3]) {
    try await serveAsHead(on: arguments[2], hosts: hosts)
    exit(0)
}
if arguments.count == 3, arguments[1] == "start-many", let count = Int(arguments[2]) {
    try await startMany(count)
    exit(0)
}
if arguments.count == 3, arguments[1] == "round-trips", let count = Int(arguments[2]) {
    try await roundTrips(count)
    exit(0)
}
if arguments.count == 3, arguments[1] == "first-nurseries-at-once", let count = Int(arguments[2]) {
    try await firstNurseriesAtOnce(count)
    exit(0)
}
guard arguments.count == 4, arguments[1] == "hold-tree", let breadth = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: tractor-test-worker hold-tree DIRECTORY DAEMONS | start-many N | first-nurseries-at-once N | round-trips N\n".utf8))
    exit(64)
}
_ = FileManager.default.createFile(atPath: arguments[2] + "/\(getpid())", contents: nil)
try await withActorNursery { nursery in
    let input = TreeInput(depth: 1, breadth: breadth, failLeaves: false, pidDirectory: arguments[2])
    _ = try await nursery.runInActor(TestJobs.holdDaemons, input, name: "holder")
}

/// Starts one actor and calls it `count` times, one call at a time, then ends the nursery: a run whose round trips
/// `RoundTripTrace` records when `TRACTOR_ROUND_TRIP_TRACE` is set.
func roundTrips(_ count: Int) async throws {
    var configuration = ActorNurseryConfiguration()
    configuration.executable = .path(ActorExecutable.current.path)
    try await withActorNursery(configuration: configuration) { nursery in
        let echo = try await nursery.startActor("echo")
        for index in 0..<count { _ = try await echo.run(TestJobs.echo, "\(index)") }
    }
}

/// Starts `count` daemons at once, then reports on standard output how long that took and what memory the tree held.
/// Opens `count` nurseries at once as this root's first use of the runtime, each starting an actor and calling it:
/// the first of them starts the root's listener while the others wait for it, and every call is answered.
func firstNurseriesAtOnce(_ count: Int) async throws {
    var shared = ActorNurseryConfiguration()
    shared.executable = .path(ActorExecutable.current.path)
    let configuration = shared
    let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
        for index in 0..<count {
            group.addTask {
                try await withActorNursery(configuration: configuration) { nursery in
                    let actor = try await nursery.startActor("first-\(index)", jobs: [TestJobs.pid])
                    return try await actor.run(TestJobs.pid)
                }
            }
        }
        return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
    }
    print("answered by \(pids.count) actors")
}

func startMany(_ count: Int) async throws {
    let clock = ContinuousClock()
    let start = clock.now
    var configuration = ActorNurseryConfiguration()
    configuration.executable = .path(ActorExecutable.current.path)
    try await withActorNursery(configuration: configuration) { nursery in
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<count {
                group.addTask {
                    let daemon = try await nursery.startActor("many-\(index)", jobs: [TestJobs.pid])
                    return try await daemon.run(TestJobs.pid)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let started = clock.now - start
        let resident = pids.map { memoryKilobytes($0, "/status", "VmRSS:") }.reduce(0, +)
        let proportional = pids.map { memoryKilobytes($0, "/smaps_rollup", "Pss:") }.reduce(0, +)
        let root = memoryKilobytes(getpid(), "/status", "VmRSS:")
        print(
            "started \(pids.count) actors in \(started); children: RSS \(resident / 1024) MiB in all "
                + "(\(resident / max(1, pids.count)) KiB each), PSS \(proportional / 1024) MiB in all; "
                + "root RSS \(root / 1024) MiB"
        )
    }
    print("ended the nursery after \(clock.now - start) in all")
}

/// A memory figure of a process from `/proc/PID` + `file`, the line starting with `key`, in KiB (0 if unknown).
func memoryKilobytes(_ pid: Int32, _ file: String, _ key: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)" + file, encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(key) {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }
    return 0
}
