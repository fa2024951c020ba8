//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization
import Testing
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

extension SpawningTests {
    /// A child holds its own descriptors only: nothing the parent had open, whoever opened it, leaks into an actor.
    @Suite(.timeLimit(.minutes(3)))
    struct DescriptorHygieneTests {
        @Test func aChildHoldsNoneOfItsParentsDescriptors() async throws {
            // A pipe and a file opened without close-on-exec, one of them on another thread: what a subprocess
            // library or a careless caller leaves open while actors spawn.
            var pipeEnds: [CInt] = [-1, -1]
            #expect(pipe(&pipeEnds) == 0)
            let path = ProcessTree.temporaryDirectory() + "/parent-file"
            let file = await Self.onAnotherThread { open(path, O_CREAT | O_RDWR, 0o600) }
            #expect(file >= 0)
            defer {
                close(pipeEnds[0])
                close(pipeEnds[1])
                close(file)
                unlink(path)
            }
            let parentTargets = Set([pipeEnds[0], pipeEnds[1], file].map { Self.target(of: $0, in: getpid()) })

            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let daemon = try await nursery.startActor("tidy")
                    // Let it run a job, so that whatever the runtime opens lazily is open too.
                    #expect(try await daemon.run(TestJobs.echo, "hi") == "hi")
                    let descriptors = Self.descriptors(of: daemon.actor.pid)
                    let leaked = descriptors.filter { parentTargets.contains($0.target) }
                    #expect(leaked.isEmpty, "the child holds the parent's \(leaked)")
                    // Everything above 2 is the runtime's own: sockets (its channel, its listener, the registry),
                    // the I/O loop's epoll, eventfds and timerfds, pidfds of its own children, and one /dev/null
                    // that its listener holds in reserve for when descriptors run out.
                    let foreign = descriptors.filter { $0.fd > 2 && !Self.isRuntimeDescriptor($0.target) }
                    #expect(foreign.isEmpty, "the child holds descriptors the runtime did not open: \(foreign)")
                    let reserves = descriptors.filter { $0.fd > 2 && $0.target == "/dev/null" }
                    #expect(reserves.count <= 1, "\(reserves)")
                }
            }
        }

        /// The constructor of CTractorLinux closes inherited descriptors even in a process that the runtime's
        /// spawner did not start and that never calls `Tractor.bootstrap`.
        @Test func aMarkedProcessClosesWhatItInheritedBeforeMain() async throws {
            var pipeEnds: [CInt] = [-1, -1]
            #expect(pipe(&pipeEnds) == 0)
            defer {
                close(pipeEnds[0])
                close(pipeEnds[1])
            }
            var output: [CInt] = [-1, -1]
            #expect(pipe(&output) == 0)
            // The output pipe is close-on-exec here; the child gets its writing end as its standard output only.
            for fd in output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            let marker = ForgetfulProgram.marker(parentPID: getpid())
            let pid = try ForgetfulProgram.spawnDirectly(
                arguments: ["list-descriptors"],
                environment: ["TRACTOR_SPAWN=" + marker],
                stdout: output[1]
            )
            close(output[1])
            let text = ForgetfulProgram.readAll(output[0])
            close(output[0])
            var status: CInt = 0
            waitpid(pid, &status, 0)
            let inherited = pipeEnds.map(String.init)
            let listed = text.split(whereSeparator: \.isWhitespace).map(String.init)
            #expect(!listed.isEmpty, "no output from the program")
            #expect(listed.allSatisfy { !inherited.contains($0) || Int($0)! <= 2 }, "still open: \(listed)")
        }

        /// A subprocess started in a nursery's body while actors spawn sees its EOF: no actor holds its pipe.
        @Test(.timeLimit(.minutes(3)))
        func aSubprocessStartedWhileActorsSpawnEnds() async throws {
            // At least 100 subprocesses, and on until 20 actors have started beside them.
            let subprocesses = SubprocessLoop(runs: 100, actors: 20)
            // Foundation's `Process` keeps descriptors of its own from its first use on: open them before counting.
            #expect(SubprocessLoop.runOnce(timeoutMilliseconds: 10_000))
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for spawner in 0..<2 {
                            group.addTask {
                                // Short-lived actors, one after another, until the subprocesses are done.
                                var index = 0
                                while !subprocesses.isDone {
                                    let one = try await nursery.runInActor(
                                        TestJobs.add, [index, 1], name: "spawned-\(spawner)-\(index)"
                                    )
                                    _ = try await one.result()
                                    subprocesses.actorStarted()
                                    index += 1
                                }
                            }
                        }
                        let (completed, failed) = await subprocesses.run(eachWithin: .seconds(10))
                        try await group.waitForAll()
                        #expect(failed == 0, "a subprocess's EOF did not come within 10 s after \(completed) runs")
                        #expect(completed >= 100)
                    }
                }
            }
        }

        // MARK: Helpers

        static func onAnotherThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: body()) }.start()
            }
        }

        static func target(of fd: CInt, in pid: Int32) -> String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "?"
        }

        static func descriptors(of pid: Int32) -> [(fd: Int, target: String)] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return entries.compactMap(Int.init).sorted().map { ($0, target(of: CInt($0), in: pid)) }
        }

        static func isRuntimeDescriptor(_ target: String) -> Bool {
            target.hasPrefix("socket:") || target.hasPrefix("anon_inode:") || target == "/dev/null"
        }
    }
}

/// Runs `/bin/true` with its output on a pipe, again and again on a thread of its own, and waits for each EOF.
private final class SubprocessLoop: Sendable {
    private let runs: Int
    private let actors: Int
    private let state = Mutex((actorsStarted: 0, done: false))

    /// A loop of at least `runs` subprocesses that goes on until `actors` actors have started.
    init(runs: Int, actors: Int) {
        self.runs = runs
        self.actors = actors
    }

    var isDone: Bool { state.withLock { $0.done } }

    func actorStarted() { state.withLock { $0.actorsStarted += 1 } }

    /// Runs the subprocesses; returns how many saw their EOF within `limit` and whether one did not (then the loop
    /// stops: its pipe's writing end is held by someone else, an actor that inherited it).
    func run(eachWithin limit: Duration) async -> (completed: Int, failed: Int) {
        let milliseconds = Int32(limit.components.seconds * 1000)
        let outcome: (Int, Int) = await withCheckedContinuation { continuation in
            Thread { [self] in
                var completed = 0
                while completed < runs || state.withLock({ $0.actorsStarted }) < actors {
                    guard Self.runOnce(timeoutMilliseconds: milliseconds) else {
                        continuation.resume(returning: (completed, 1))
                        return
                    }
                    completed += 1
                }
                continuation.resume(returning: (completed, 0))
            }.start()
        }
        state.withLock { $0.done = true }
        return outcome
    }

    /// Foundation's `Process` with a pipe for its output; whether the pipe's EOF came in time.
    static func runOnce(timeoutMilliseconds: Int32) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            return false
        }
        let reading = output.fileHandleForReading.fileDescriptor
        var eof = false
        var poller = pollfd(fd: reading, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, timeoutMilliseconds) > 0 {
            var byte: UInt8 = 0
            if read(reading, &byte, 1) <= 0 {
                eof = true
                break
            }
        }
        process.waitUntilExit()
        return eof
    }
}
