//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestJobs
import TractorTestSupport

/// What a title says, without processes.
@Suite struct ProcessTitleTests {
    @Test func titlesNameTheRole() {
        #expect(ProcessTitle.actor("frank").commandLine(program: "app") == "app: actor frank")
        #expect(ProcessTitle.actor("frank").name == "frank")
        #expect(ProcessTitle.poolWorker(0, of: 2).commandLine(program: "primes") == "primes: pool-worker 0 of 2")
        #expect(ProcessTitle.poolWorker(11, of: 16).name == "pool-worker 11")
    }

    @Test func theCommandNameIsCutToFifteenBytesOnACharacterBoundary() {
        #expect(ProcessTitle.actor("a-rather-long-actor-name").name == "a-rather-long-a")
        // "é" is two bytes: fourteen ASCII bytes and one "é" would make sixteen.
        #expect(ProcessTitle.actor("abcdefghijklmné").name == "abcdefghijklmn")
        #expect(ProcessTitle.actor("line\nbreak").name == "line break")
        #expect(ProcessTitle.actor("line\nbreak").role == "actor line break")
    }

    @Test func theProgramNameComesFromTheRootsFirstArgument() {
        #expect(ProcessTitle.program(fromFirstArgument: "/usr/local/bin/primes", spawned: false) == "primes")
        #expect(ProcessTitle.program(fromFirstArgument: "primes", spawned: false) == "primes")
        #expect(ProcessTitle.program(fromFirstArgument: "primes: pool-worker 0 of 2", spawned: true) == "primes")
        #expect(ProcessTitle.program(fromFirstArgument: "./tool: odd", spawned: true) == "tool: odd")
        #expect(ProcessTitle.program(fromFirstArgument: "", spawned: false) == "tractor")
    }
}

extension SpawningTests {
    /// Actors show in `ps` and `/proc` as what they are, with the arguments their program was started with.
    @Suite(.timeLimit(.minutes(3)))
    struct ProcessTitleSpawnTests {
        @Test func actorsAndTheirChildrenAreTitledByRoleAndKeepTheirArguments() async throws {
            let directory = ProcessTree.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var configuration = ProcessTree.configuration()
            configuration.executable = .path(ProcessTree.workerPath, arguments: ["--left", "as it was"])
            let program = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: configuration) { nursery in
                    // A holder actor, and two daemons that it starts by re-executing its own program.
                    let input = TreeInput(depth: 1, breadth: 2, failLeaves: false, pidDirectory: directory)
                    let holder = try await nursery.runInActor(TestJobs.holdDaemons, input, name: "holder")
                    let started = await ProcessTree.eventually(within: .seconds(60)) {
                        ProcessTree.recordedPIDs(in: directory).count == 3
                    }
                    try #require(started, "pids recorded: \(ProcessTree.recordedPIDs(in: directory))")
                    for pid in ProcessTree.recordedPIDs(in: directory) {
                        let name = ProcessInspection.commandName(of: pid) ?? "?"
                        let commandLine = ProcessInspection.commandLine(of: pid)
                        if pid == holder.actor.pid {
                            #expect(name == "holder")
                        } else {
                            #expect(name == "held.0" || name == "held.1", "command name of a daemon: \(name)")
                        }
                        // The whole tree carries the root's program name; the arguments are the program's own.
                        #expect(commandLine == ["\(program): actor \(name)", "--left", "as it was"])
                        #expect(ProcessInspection.executableName(of: pid) == "tractor-test-worker")
                    }
                    await nursery.cancel()
                }
            }
        }

        @Test func theVariableThatCarriesTheNameIsGoneBeforeMainRuns() async throws {
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configuration()) { nursery in
                    let actor = try await nursery.startActor("plain", jobs: [TestJobs.environmentVariable])
                    #expect(try await actor.run(TestJobs.environmentVariable, ProcessTitle.environmentVariable) == "")
                    #expect(try await actor.run(TestJobs.environmentVariable, "PATH") != "")
                    #expect(ProcessInspection.commandName(of: actor.actor.pid) == "plain")
                }
            }
        }
    }
}
