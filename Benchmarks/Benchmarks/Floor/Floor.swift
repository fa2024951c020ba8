//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Benchmark
import Glibc

// The machine's floor, written without the framework: what a process and a round trip cost here, measured in the same
// run as the pool and the runtime so that every goal can be stated as a ratio from one run. The peer
// (Sources/FloorPeer) echoes 8-byte messages over a Unix socket pair with blocking reads and writes: one wake-up each
// way, nothing else.

/// One blocking round trip between two processes, in nanoseconds: a sample per round trip.
let floorRoundTrip = BenchmarkMetric.custom("Round trip (ns)", polarity: .prefersSmaller, useScalingFactor: false)

/// An idle peer's resident set (VmRSS) and proportional set (Pss), in KiB.
let floorResidentMemory = BenchmarkMetric.custom("Peer RSS idle (KiB)", polarity: .prefersSmaller, useScalingFactor: false)
let floorProportionalMemory = BenchmarkMetric.custom(
    "Peer PSS idle (KiB)",
    polarity: .prefersSmaller,
    useScalingFactor: false
)

let benchmarks: @Sendable () -> Void = {
    // package-benchmark preloads its malloc counter into this process through LD_PRELOAD (on Linux); the processes
    // this suite spawns must not inherit it: each would load the counter and, with it, the shared Swift libraries,
    // even a worker linked with -static-stdlib, and its start and memory would be the harness's.
    unsetenv("LD_PRELOAD")
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 100,
        thresholds: [.wallClock: .init(relative: [.p90: 100])]
    )

    // As the pool's submit round trip: 2,000 round trips per run, each a sample, after a warm-up.
    Benchmark(
        "Floor ping-pong round trip",
        configuration: .init(
            metrics: [floorRoundTrip],
            units: [floorRoundTrip: .count],
            scalingFactor: .one,
            maxIterations: 3,
            thresholds: [floorRoundTrip: .init(relative: [.p90: 100])]
        )
    ) { benchmark in
        let peer = FloorProcess(executable: FloorProcess.dynamicPeer)
        defer { peer.stop() }
        for index in 0..<200 { precondition(peer.ping(UInt64(index)) == UInt64(index)) }
        benchmark.startMeasurement()
        for index in 0..<2_000 {
            let start = ContinuousClock.now
            let answer = peer.ping(UInt64(index))
            benchmark.measurement(floorRoundTrip, floorNanoseconds(ContinuousClock.now - start))
            precondition(answer == UInt64(index), "the peer answered \(answer) to \(index)")
        }
        benchmark.stopMeasurement()
    }

    // As the pool's start-up to first result with two workers: two peers started at once, each answering one
    // message. Their reaping is outside the measurement, as a pool's closing is outside its start-up figure.
    for (name, executable) in [("dynamic", FloorProcess.dynamicPeer), ("static stdlib", FloorProcess.staticPeer)] {
        Benchmark("Floor spawn 2 peers to first reply, \(name)") { benchmark in
            benchmark.startMeasurement()
            let peers = [FloorProcess(executable: executable), FloorProcess(executable: executable)]
            for (index, peer) in peers.enumerated() { peer.send(UInt64(index)) }
            for (index, peer) in peers.enumerated() { precondition(peer.receive() == UInt64(index)) }
            benchmark.stopMeasurement()
            for peer in peers { peer.stop() }
        }
    }

    // As the runtime's spawn, run one job, reap: one peer, one round trip, and its exit collected; with either peer,
    // as the runtime's figure is taken with either worker.
    for (name, executable) in [("", FloorProcess.dynamicPeer), (", static stdlib", FloorProcess.staticPeer)] {
        Benchmark("Floor spawn, one round trip, reap\(name)") { _ in
            let peer = FloorProcess(executable: executable)
            precondition(peer.ping(7) == 7)
            peer.stop()
        }
    }

    // As the pool's idle worker memory: a peer that has answered once and waits.
    for (name, executable) in [("dynamic", FloorProcess.dynamicPeer), ("static stdlib", FloorProcess.staticPeer)] {
        Benchmark(
            "Floor peer memory idle, \(name)",
            configuration: .init(
                metrics: [floorResidentMemory, floorProportionalMemory],
                units: [floorResidentMemory: .count, floorProportionalMemory: .count],
                scalingFactor: .one,
                maxIterations: 5,
                thresholds: [:]
            )
        ) { benchmark in
            let peer = FloorProcess(executable: executable)
            defer { peer.stop() }
            precondition(peer.ping(1) == 1)
            benchmark.measurement(floorResidentMemory, floorMemoryField("VmRSS", of: peer.pid, in: "status"))
            benchmark.measurement(floorProportionalMemory, floorMemoryField("Pss", of: peer.pid, in: "smaps_rollup"))
        }
    }
}

/// A peer process, its standard input and output one end of a Unix socket pair whose other end this process holds.
final class FloorProcess {
    /// The peers, built next to this benchmark's binary.
    static let dynamicPeer = siblingExecutable("floor-peer")
    static let staticPeer = siblingExecutable("floor-peer-static")

    let pid: pid_t
    private let socket: CInt

    init(executable: String) {
        var pair: [CInt] = [0, 0]
        precondition(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, pair[1], 1)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), nil]
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        for argument in argv { free(argument) }
        posix_spawn_file_actions_destroy(&actions)
        precondition(status == 0, "posix_spawn of \(executable) failed: \(status)")
        close(pair[1])
        self.pid = pid
        self.socket = pair[0]
    }

    func send(_ value: UInt64) {
        var value = value
        let count = withUnsafeBytes(of: &value) { write(socket, $0.baseAddress, 8) }
        precondition(count == 8, "a write to the peer failed")
    }

    func receive() -> UInt64 {
        var value: UInt64 = 0
        var read = 0
        while read < 8 {
            let count = withUnsafeMutableBytes(of: &value) { Glibc.read(socket, $0.baseAddress! + read, 8 - read) }
            precondition(count > 0, "the peer closed its end")
            read += count
        }
        return value
    }

    func ping(_ value: UInt64) -> UInt64 {
        send(value)
        return receive()
    }

    /// Ends the peer's input and reaps it.
    func stop() {
        close(socket)
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    private static func siblingExecutable(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        precondition(length > 0, "cannot read /proc/self/exe")
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path[..<(path.lastIndex(of: "/") ?? path.endIndex)] + "/" + name
    }
}

/// A field of `/proc/<pid>/<file>` in KiB (`VmRSS:    1234 kB`).
func floorMemoryField(_ field: String, of pid: pid_t, in file: String) -> Int {
    guard let handle = fopen("/proc/\(pid)/\(file)", "r") else { preconditionFailure("cannot read /proc/\(pid)/\(file)") }
    defer { fclose(handle) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, CInt(line.count), handle) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard text.hasPrefix(field + ":") else { continue }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        if words.count > 1, let value = Int(words[1]) { return value }
    }
    preconditionFailure("no \(field) in /proc/\(pid)/\(file)")
}

/// A duration in whole nanoseconds.
func floorNanoseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
}
