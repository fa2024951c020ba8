//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Testing
@testable import TractorPool
import TractorRuntime

/// How a pool over hosts is planned, sized and reported, without any host: plans, the tuner, errors and messages.
@Suite struct PoolHostsTests {
    @Test func plansOfSeveralMachinesAreNumberedOnAndNameTheirHosts() {
        let small = Topology.uniform(coresPerNUMANode: 2, hostname: "here")
        let large = Topology.uniform(packages: 2, coresPerNUMANode: 3, hostname: "node-1")
        var warned = Placement.perCore.plan(for: large)
        warned.warnings = ["CPU 9 is not allowed"]
        let plan = PlacementPlan.combining([
            (host: nil, plan: Placement.perCore.plan(for: small)), (host: "node-1", plan: warned),
        ])
        #expect(plan.workers.map(\.index) == Array(0..<8))
        #expect(plan.workers.map(\.host) == [nil, nil] + [String?](repeating: "node-1", count: 6))
        #expect(plan.workers[2].cpus == large.cores[0].cpus, "each host's workers keep their own CPUs")
        #expect(plan.warnings == ["host 'node-1': CPU 9 is not allowed"])
    }

    @Test func aHostsTopologyTravelsAndTakesTheNameItJoinedUnder() throws {
        let machine = Topology.uniform(packages: 2, numaNodesPerPackage: 2, coresPerNUMANode: 2, pusPerCore: 2)
        let description = HostDescription(
            name: "node-7", incarnation: "1", agent: ActorID(name: "agent", uid: "u", pid: 1),
            advertisedAddress: nil, topologyJSON: "{}", topology: try machine.encodedForHostAgent()
        )
        let received = try Topology(reportedBy: description)
        var expected = machine
        expected.hostname = "node-7"
        #expect(received == expected)

        let silent = HostDescription(
            name: "old", incarnation: "1", agent: ActorID(name: "agent", uid: "u", pid: 1), advertisedAddress: nil,
            topologyJSON: "{}"
        )
        #expect(throws: TractorError.self) { try Topology(reportedBy: silent) }
        var garbled = description
        garbled.topology = [0xc1, 0x00]
        #expect(throws: TractorError.self) { try Topology(reportedBy: garbled) }
    }

    @Test func aHostThatHasNotJoinedIsATypedErrorNamingIt() async throws {
        _ = try await TestHead.head.value
        var configuration = ProcessPoolConfiguration()
        configuration.hosts = .joined(["no-such-host"])
        let error = await #expect(throws: TractorError.self) {
            try await withProcessPool(configuration: configuration) { _ in }
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("'no-such-host'") == true, "\(String(describing: error))")
    }

    @Test func aSilenceLimitNotLongerThanTheHeartbeatIsATypedError() async {
        let error = await #expect(throws: TractorError.self) {
            try await Tractor.listenForAgents(
                on: "127.0.0.1:0", heartbeatInterval: .seconds(2), hostSilenceLimit: .seconds(2)
            )
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("hostSilenceLimit") == true)
    }

    @Test func aNegativeRetryCountIsATypedError() async {
        var configuration = ProcessPoolConfiguration()
        configuration.retriesAfterCrash = -1
        let error = await #expect(throws: TractorError.self) {
            try await withProcessPool(configuration: configuration) { _ in }
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func theTunerGivesAHostWithALongRoundTripLongerChunks() {
        var tuner = ChunkSizeTuner(targetDuration: .milliseconds(5), maximumChunkSize: 100_000)
        tuner.record(job: "j", items: 100, elapsed: .milliseconds(1))   // 10 µs an item
        #expect(tuner.chunkSize(for: "j") == 500)
        // A 100 µs round trip is well under a twentieth of 5 ms: nothing changes.
        tuner.recordRoundTrip(host: "near", overhead: .microseconds(100))
        #expect(tuner.chunkSize(for: "j") == 500)
        // A 2 ms round trip asks for chunks of 40 ms.
        tuner.recordRoundTrip(host: "far", overhead: .milliseconds(2))
        #expect(tuner.chunkSize(for: "j") == 4_000)
        // A chunk that waited behind others does not pass for the round trip; a smaller one is believed at once.
        tuner.recordRoundTrip(host: "far", overhead: .milliseconds(30))
        #expect(tuner.roundTripNanoseconds(of: "far") == 2_100_000)
        tuner.recordRoundTrip(host: "far", overhead: .milliseconds(1))
        #expect(tuner.chunkSize(for: "j") == 2_000)
    }

    @Test func aCrashOnAHostSaysWhichAndTheDescriptionOfThePoolHosts() {
        var crash = WorkerCrashed(workerID: 3, pid: 4242, status: TerminationStatus(.signaled(SIGKILL)), job: "render")
        crash.host = "node-2"
        #expect(crash.message.contains("on host 'node-2'"))
        #expect(crash.message.contains("'render'"))
        #expect(PoolHosts.local.description == "local")
        #expect(PoolHosts.joined().description == "joined")
        #expect(PoolHosts.joined(["a", "b"], includingLocal: true).description == "joined(a, b) + local")
    }
}
