//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorRuntime
import TractorTestSupport

extension SpawningTests {
    /// A program spawned as an actor that forgets `Tractor.bootstrap`: it fails at once, its parent's spawn fails
    /// fast saying why, and nothing of its tree outlives the root.
    @Suite(.timeLimit(.minutes(3)))
    struct BootstrapTests {
        @Test func aForgetfulActorFailsItsSpawnAtOnceSayingWhy() async throws {
            var configuration = ActorNurseryConfiguration()
            configuration.executable = .path(ForgetfulProgram.path)
            let clock = ContinuousClock()
            let start = clock.now
            try await ProcessTree.checkingLeaks(children: "tractor-forget") {
                let error = await #expect(throws: TractorError.self) {
                    try await withActorNursery(configuration: configuration) { nursery in
                        _ = try await nursery.startActor("forgetful")
                    }
                }
                #expect(error?.code == .spawnFailed)
                #expect(error?.message.contains("before it connected back") == true, "\(String(describing: error))")
                #expect(error?.message.contains("Tractor.bootstrap(jobs:)") == true, "\(String(describing: error))")
            }
            #expect(clock.now - start < .seconds(10), "the spawn took \(clock.now - start) to fail")
            let survivors = ProcessInspection.actors(running: ForgetfulProgram.path)
            #expect(survivors.isEmpty, "still alive: \(survivors.map(ProcessInspection.describe))")
        }

        @Test func aMarkedProcessWithoutBootstrapIsRefusedANursery() async throws {
            var output: [CInt] = [-1, -1]
            #expect(pipe(&output) == 0)
            for fd in output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            let pid = try ForgetfulProgram.spawnDirectly(
                arguments: [],
                environment: ["TRACTOR_SPAWN=" + ForgetfulProgram.marker(parentPID: getpid())],
                stdout: output[1],
                stderr: output[1]
            )
            close(output[1])
            let text = ForgetfulProgram.readAll(output[0])
            close(output[0])
            var status: CInt = 0
            waitpid(pid, &status, 0)
            #expect(status != 0)
            #expect(text.contains("notBootstrapped"), "\(text)")
            #expect(text.contains("as the first statement of main"), "\(text)")
        }

        @Test func killingAForgetfulTreesRootWithSIGKILLLeavesNothing() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let root = Process()
            root.executableURL = URL(fileURLWithPath: ForgetfulProgram.path)
            root.arguments = ["root", directory]
            try root.run()
            // The root and its forgetful actor, which tried a nursery, was refused, and lingers without serving.
            let started = await ProcessTree.eventually(within: .seconds(60)) {
                ProcessTree.recordedPIDs(in: directory).count >= 2
            }
            #expect(started)
            let pids = ProcessTree.recordedPIDs(in: directory).filter { $0 != root.processIdentifier }
            #expect(pids.count == 1)
            kill(root.processIdentifier, SIGKILL)
            root.waitUntilExit()
            let gone = await ProcessTree.eventually(within: .seconds(10)) { pids.allSatisfy { !ProcessTree.isAlive($0) } }
            #expect(gone, "still alive: \(pids.filter(ProcessTree.isAlive).map(ProcessInspection.describe))")
            let survivors = ProcessInspection.actors(running: ForgetfulProgram.path)
            #expect(survivors.isEmpty, "still alive: \(survivors.map(ProcessInspection.describe))")
        }
    }
}
