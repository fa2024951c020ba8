//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import PoolWorkerJobs
import TractorPool

/// The head of the benchmark across hosts (`Benchmarks/peers/hosts.py` runs it): listens for host agents, waits for
/// them, and times a pool over the joined hosts (one worker each) beside a local pool of as many workers.
///
/// ```sh
/// TRACTOR_SECRET=$(openssl rand -hex 32) hosts-head --listen 10.150.3.1:0 --hosts 2 --repeats 3
/// ```
///
/// Its first line on standard output is `listening ADDR:PORT`, once agents may connect; its last is one JSON object
/// with every figure (seconds, items per second, nanoseconds). Every result is checked; a wrong one fails the run.
@main
enum HostsHead {
    struct Options {
        var listen = "127.0.0.1:0"
        var hosts = 2
        var items = 100_000
        var limit = 20_000_000
        var pieces = 200
        var expected = 1_270_607
        var submits = 2_000
        var repeats = 3
        var hostTimeout = 120
    }

    static func main() async {
        do {
            let options = try parse(Array(CommandLine.arguments.dropFirst()))
            let report = try await run(options)
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("hosts-head: \(error)\n".utf8))
            exit(1)
        }
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard index + 1 < arguments.count else { throw HeadError("\(name) needs a value") }
            let value = arguments[index + 1]
            index += 2
            if name == "--listen" {
                options.listen = value
                continue
            }
            guard let number = Int(value), number > 0 else { throw HeadError("\(name) needs a positive number") }
            switch name {
            case "--hosts": options.hosts = number
            case "--items": options.items = number
            case "--limit": options.limit = number
            case "--pieces": options.pieces = number
            case "--expected": options.expected = number
            case "--submits": options.submits = number
            case "--repeats": options.repeats = number
            case "--host-timeout": options.hostTimeout = number
            default: throw HeadError("unknown option \(name)")
            }
        }
        return options
    }

    static func run(_ options: Options) async throws -> [String: Any] {
        let address = try await Tractor.listenForAgents(on: options.listen)
        // Unbuffered: hosts.py starts the agents once it reads this line.
        FileHandle.standardOutput.write(Data("listening \(address)\n".utf8))
        let joined = try await Tractor.waitForHosts(options.hosts, timeout: .seconds(options.hostTimeout))
        FileHandle.standardError.write(Data("hosts-head: hosts joined: \(joined.joined(separator: ", "))\n".utf8))

        var remote = configuration(.workers(1))
        remote.hosts = .joined()
        let local = configuration(.workers(options.hosts))
        let ranges = (0..<options.pieces).map { piece in
            (piece * options.limit / options.pieces)..<((piece + 1) * options.limit / options.pieces)
        }
        var report: [String: Any] = ["hosts": joined, "items": options.items, "limit": options.limit,
                                     "pieces": options.pieces, "submits": options.submits]
        try await withProcessPool(configuration: remote) { hostsPool in
            try await withProcessPool(configuration: local) { localPool in
                guard hostsPool.workerCount == options.hosts, localPool.workerCount == options.hosts else {
                    throw HeadError("expected \(options.hosts) workers, got \(hostsPool.workerCount) over hosts "
                        + "and \(localPool.workerCount) here")
                }
                try await warmUp(hostsPool)
                try await warmUp(localPool)
                report["workers"] = hostsPool.workerCount
                report["bindings"] = try await hostsPool.bindingReport

                var auto: [Double] = []
                var chunkOne: [Double] = []
                for _ in 0..<options.repeats {
                    auto.append(try await noopMap(hostsPool, items: options.items, chunkSize: nil))
                    chunkOne.append(try await noopMap(hostsPool, items: options.items, chunkSize: 1))
                }
                report["noop_auto_seconds"] = auto
                report["noop_chunk1_seconds"] = chunkOne

                var roundTrips: [Int] = []
                let clock = ContinuousClock()
                for index in 0..<options.submits {
                    let start = clock.now
                    let value = try await hostsPool.submit(BuiltinJobs.noop, index).value
                    roundTrips.append(nanoseconds(clock.now - start))
                    guard value == index else { throw HeadError("submit returned \(value) for \(index)") }
                }
                report["submit_ns"] = roundTrips.sorted()

                // Alternated, so that both pools meet the same load from the rest of the machine.
                var primesHosts: [Double] = []
                var primesLocal: [Double] = []
                for _ in 0..<options.repeats {
                    primesHosts.append(try await primes(hostsPool, ranges, expected: options.expected))
                    primesLocal.append(try await primes(localPool, ranges, expected: options.expected))
                }
                report["primes_hosts_seconds"] = primesHosts
                report["primes_local_seconds"] = primesLocal
            }
        }
        return report
    }

    /// A pool of `pool-worker`s (built next to this program; the namespace hosts share this file system).
    static func configuration(_ placement: Placement) -> ProcessPoolConfiguration {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var configuration = ProcessPoolConfiguration(placement: placement)
        configuration.executable = .path(URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/pool-worker")
        return configuration
    }

    /// Starts every worker and runs a few jobs on each: a no-op map of 64 items per worker, one item per chunk.
    static func warmUp(_ pool: ProcessPool) async throws {
        let count = pool.workerCount * 64
        let values = try await Array(pool.map(BuiltinJobs.noop, over: 0..<count, chunkSize: 1))
        guard values == Array(0..<count) else { throw HeadError("the warm-up map returned wrong values") }
    }

    /// One no-op map of `items` items, checked; its seconds.
    static func noopMap(_ pool: ProcessPool, items: Int, chunkSize: Int?) async throws -> Double {
        let start = ContinuousClock.now
        var expected = 0
        for try await value in pool.map(BuiltinJobs.noop, over: 0..<items, chunkSize: chunkSize) {
            guard value == expected else { throw HeadError("the no-op map returned \(value) where \(expected) was due") }
            expected += 1
        }
        guard expected == items else { throw HeadError("the no-op map returned \(expected) of \(items) values") }
        return seconds(.now - start)
    }

    /// Counts the primes in `ranges`, one range per chunk, checked; its seconds.
    static func primes(_ pool: ProcessPool, _ ranges: [Range<Int>], expected: Int) async throws -> Double {
        let start = ContinuousClock.now
        var count = 0
        for try await primes in pool.map(BuiltinJobs.countPrimes, over: ranges, chunkSize: 1) { count += primes }
        guard count == expected else { throw HeadError("counted \(count) primes where \(expected) are") }
        return seconds(.now - start)
    }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }

    static func seconds(_ duration: Duration) -> Double { Double(nanoseconds(duration)) / 1e9 }
}

/// A wrong option or a wrong result.
struct HeadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
