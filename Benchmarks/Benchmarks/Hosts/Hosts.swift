//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import BenchmarkJobs
import Foundation
import Synchronization
import TractorRuntime

// Actors on another host: a network namespace on this machine, reached over a veth pair and a bridge, with a host
// agent in it (`pool-worker serve --connect`), and this process its head. Round trips, stream throughput and actor
// start-up through the framework, and the floor of the same path without it: a bare blocking TCP ping-pong between
// two processes over the same veth pair. Needs root (for `ip netns` and the links); without it the suite registers
// nothing and says why.
//
// Each benchmark makes its own namespace and agent (outside the measurement) and removes them; each sample is one
// round trip, one transfer or one start, as the Floor suite's are.

/// One round trip, in nanoseconds.
let hostRoundTrip = BenchmarkMetric.custom("Round trip (ns)", polarity: .prefersSmaller, useScalingFactor: false)
/// One stream's throughput, in MB/s (10^6 bytes per second); no slash in the name, which names the exported files.
let hostThroughput = BenchmarkMetric.custom("Throughput (MB per s)", polarity: .prefersLarger, useScalingFactor: false)
/// One stream's rate, in thousands of messages per second.
let hostMessageRate = BenchmarkMetric.custom("Messages (k per s)", polarity: .prefersLarger, useScalingFactor: false)
/// One actor's start on the other host, to its first result, in nanoseconds.
let hostStart = BenchmarkMetric.custom("Start to first result (ns)", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    // package-benchmark preloads its malloc counter into this process through LD_PRELOAD (on Linux); the processes
    // this suite spawns must not inherit it: each would load the counter and, with it, the shared Swift libraries,
    // even a worker linked with -static-stdlib, and its start and memory would be the harness's.
    unsetenv("LD_PRELOAD")
    if let reason = HostNetwork.unavailableReason {
        print("Hosts: skipped: \(reason)")
        return
    }
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock],
        warmupIterations: 0,
        maxDuration: .seconds(120),
        maxIterations: 3,
        thresholds: [:]
    )
    func samples(_ metric: BenchmarkMetric, iterations: Int = 3) -> Benchmark.Configuration {
        .init(
            metrics: [metric], units: [metric: .count], scalingFactor: .one, maxIterations: iterations, thresholds: [:]
        )
    }

    Benchmark("Remote floor TCP ping-pong round trip", configuration: samples(hostRoundTrip)) { benchmark in
        try await withRemoteHost { network, _ in
            let peer = try TCPFloorPeer(in: network)
            defer { peer.stop() }
            for index in 0..<200 { precondition(peer.ping(UInt64(index)) == UInt64(index)) }
            benchmark.startMeasurement()
            for index in 0..<2_000 {
                let start = ContinuousClock.now
                let answer = peer.ping(UInt64(index))
                benchmark.measurement(hostRoundTrip, nanoseconds(ContinuousClock.now - start))
                precondition(answer == UInt64(index), "the peer answered \(answer) to \(index)")
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Remote portal.run round trip", configuration: samples(hostRoundTrip)) { benchmark in
        try await withRemoteHost { _, host in
            try await withActorNursery(configuration: workerConfiguration()) { nursery in
                let portal = try await nursery.startActor("echo", on: host)
                for index in 0..<200 {
                    let answer = try await portal.run(BenchmarkJobs.echo, index)
                    precondition(answer == index)
                }
                benchmark.startMeasurement()
                for index in 0..<2_000 {
                    let start = ContinuousClock.now
                    let answer = try await portal.run(BenchmarkJobs.echo, index)
                    benchmark.measurement(hostRoundTrip, nanoseconds(ContinuousClock.now - start))
                    precondition(answer == index, "the actor answered \(answer) to \(index)")
                }
                benchmark.stopMeasurement()
            }
        }
    }

    // 100,000 small messages per transfer with a window of 4,096, and 64 messages of 1 MiB with the default window,
    // as the Portals suite's one-stream workloads; five transfers per iteration, each a sample.
    Benchmark("Remote stream small messages", configuration: samples(hostMessageRate)) { benchmark in
        try await withRemoteStreamer { portal in
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let received = try await portal.openStream(BenchmarkJobs.count, 100_000, window: 4096) { stream in
                    var received = 0
                    for try await _ in stream { received += 1 }
                    return received
                }
                let seconds = Double(nanoseconds(ContinuousClock.now - start)) / 1e9
                precondition(received == 100_000)
                benchmark.measurement(hostMessageRate, Int(Double(received) / seconds / 1e3))
            }
        }
    }

    Benchmark("Remote stream 1 MiB messages", configuration: samples(hostThroughput)) { benchmark in
        try await withRemoteStreamer { portal in
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let request = BlobRequest(count: 64, bytes: 1 << 20)
                let received = try await portal.openStream(BenchmarkJobs.blobs, request) { stream in
                    var received = 0
                    for try await blob in stream { received += blob.count }
                    return received
                }
                let seconds = Double(nanoseconds(ContinuousClock.now - start)) / 1e9
                precondition(received == 64 << 20)
                benchmark.measurement(hostThroughput, Int(Double(received) / seconds / 1e6))
            }
        }
    }

    // An actor started on the other host through its agent, to its first result; stopped through the agent outside
    // the measurement. Ten starts per iteration, each a sample.
    Benchmark("Remote actor start to first result", configuration: samples(hostStart)) { benchmark in
        try await withRemoteHost { _, host in
            try await withActorNursery(configuration: workerConfiguration()) { nursery in
                for index in 0..<11 {
                    let start = ContinuousClock.now
                    let portal = try await nursery.startActor("started-\(index)", on: host)
                    let answer = try await portal.run(BenchmarkJobs.echo, index)
                    precondition(answer == index)
                    // The first start warms the agent up.
                    if index > 0 { benchmark.measurement(hostStart, nanoseconds(ContinuousClock.now - start)) }
                    try await portal.cancelActor()
                }
            }
        }
    }
}

/// The nursery configuration of the suite: actors run `bench-worker`, built next to this binary.
func workerConfiguration() -> ActorNurseryConfiguration {
    var configuration = ActorNurseryConfiguration()
    configuration.executable = .path(HostNetwork.sibling("bench-worker"))
    return configuration
}

/// This process as a head, listening for agents on every address (once per process), and the run's secret.
let head: Task<(port: String, secret: String), any Error> = Task {
    var generator = SystemRandomNumberGenerator()
    let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    setenv("TRACTOR_SECRET", secret, 1)
    let address = try await Tractor.listenForAgents(on: "0.0.0.0:0")
    return (String(address.split(separator: ":").last ?? ""), secret)
}

/// How many hosts this process has made; each agent joins under a name of its own.
let hostsMade = Atomic<Int>(0)

/// Makes a namespace with an agent in it, waits until the agent has joined, runs `body` with the network and the
/// host's name, then stops the agent and removes the namespace.
func withRemoteHost<Result>(_ body: (HostNetwork, String) async throws -> Result) async throws -> Result {
    let (port, secret) = try await head.value
    let network = try HostNetwork()
    defer { network.remove() }
    let name = "bench-host-\(hostsMade.add(1, ordering: .relaxed).newValue)"
    let agent = try network.start(
        HostNetwork.sibling("pool-worker"), ["serve", "--connect", "\(network.headAddress):\(port)", "--name", name],
        environment: ["TRACTOR_SECRET": secret]
    )
    defer {
        // SIGTERM: the agent tears its actors down and exits; SIGKILL if it has not within ten seconds.
        agent.terminate()
        let deadline = ContinuousClock.now + .seconds(10)
        while agent.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if agent.isRunning { kill(agent.processIdentifier, SIGKILL) }
        agent.waitUntilExit()
    }
    let deadline = ContinuousClock.now + .seconds(30)
    while !Tractor.hosts.contains(name) {
        guard ContinuousClock.now < deadline, agent.isRunning else {
            throw HostNetworkError(description: "the agent in \(network.namespace) did not join the head")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await body(network, name)
}

/// Runs `body` with a portal to a `bench-worker` actor on another host.
func withRemoteStreamer(_ body: (Portal) async throws -> Void) async throws {
    try await withRemoteHost { _, host in
        try await withActorNursery(configuration: workerConfiguration()) { nursery in
            try await body(try await nursery.startActor("streamer", on: host))
        }
    }
}

/// A duration in whole nanoseconds.
func nanoseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
}
