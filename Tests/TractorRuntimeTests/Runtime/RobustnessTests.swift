//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
@testable import TractorRuntime
import TractorTestJobs
import TractorTestSupport

extension SpawningTests {
    /// Bad peers and dead parents.
    @Suite(.timeLimit(.minutes(3)))
    struct RobustnessTests {
        @Test func killingTheRootWithSIGKILLLeavesNoProcessBehind() async throws {
            let directory = ProcessTree.temporaryDirectory()
            let root = Process()
            root.executableURL = URL(fileURLWithPath: ProcessTree.workerPath)
            root.arguments = ["hold-tree", directory, "3"]
            try root.run()
            // The root, the holder and three daemons below it: five processes on three levels.
            let started = await ProcessTree.eventually(within: .seconds(90)) {
                ProcessTree.recordedPIDs(in: directory).count >= 5
            }
            #expect(started)
            let pids = ProcessTree.recordedPIDs(in: directory)
            kill(root.processIdentifier, SIGKILL)
            root.waitUntilExit()
            let clock = ContinuousClock()
            let start = clock.now
            let gone = await ProcessTree.eventually(within: .seconds(10)) { pids.allSatisfy { !ProcessTree.isAlive($0) } }
            #expect(gone, "still alive: \(pids.filter(ProcessTree.isAlive))")
            #expect(clock.now - start < .seconds(2))
        }

        @Test func wrongCookieIsRefusedAndTheActorKeepsServing() async throws {
            let log = LogCapture(level: .error)
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configurationUnderAttack(log: log)) { nursery in
                    let daemon = try await nursery.startActor("guarded")
                    // Serving: it has its spawn spec, and the log level the nursery gave it.
                    #expect(try await daemon.run(TestJobs.echo, "ready") == "ready")
                    let address = try #require(try await Tractor.registeredActors(named: "guarded").first?.address)
                    let intruder = try Channel.connect(to: address, maximumFrameSize: 1 << 20)
                    let stranger = ActorID(name: "stranger", uid: "0", pid: getpid())
                    try intruder.send(.hello(Hello(actor: stranger, cookie: Array(repeating: 7, count: 32))))
                    let reply = try await intruder.receive()
                    guard case .error(nil, let info) = reply else {
                        Issue.record("expected an error, got \(reply)")
                        return
                    }
                    #expect(info.code == "handshakeFailed")
                    await #expect(throws: TractorError.self) { try await intruder.receive() }
                    #expect(try await daemon.run(TestJobs.echo, "still here") == "still here")
                }
            }
            #expect(log.lines.isEmpty, "\(log.lines)")
        }

        @Test func malformedFrameClosesOnlyThatConnection() async throws {
            let log = LogCapture(level: .error)
            try await ProcessTree.checkingLeaks {
                try await withActorNursery(configuration: ProcessTree.configurationUnderAttack(log: log)) { nursery in
                    let daemon = try await nursery.startActor("sturdy")
                    // Serving: it has its spawn spec, and the log level the nursery gave it.
                    #expect(try await daemon.run(TestJobs.add, [0, 1]) == 1)
                    let address = try #require(try await Tractor.registeredActors(named: "sturdy").first?.address)
                    for garbage: [UInt8] in [[0, 0, 0, 3, 0xc1, 0xc1, 0xc1], [0xff, 0xff, 0xff, 0xff, 1], [0, 0, 0, 1, 0x93]] {
                        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                        var addr = sockaddr_un()
                        addr.sun_family = sa_family_t(AF_UNIX)
                        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                            raw.copyBytes(from: Array(address.utf8) + [0])
                        }
                        let connected = withUnsafePointer(to: &addr) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                            }
                        }
                        #expect(connected == 0)
                        _ = garbage.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                        // The actor answers garbage by closing the connection (after at most a 10 s handshake wait).
                        var byte: UInt8 = 0
                        var got = 1
                        while got > 0 { got = read(fd, &byte, 1) }
                        #expect(got == 0)
                        close(fd)
                    }
                    #expect(try await daemon.run(TestJobs.add, [1, 1]) == 2)
                }
            }
            #expect(log.lines.isEmpty, "\(log.lines)")
        }
    }
}
