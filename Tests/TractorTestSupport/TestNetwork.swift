//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Synchronization

/// Hosts for tests: network namespaces on a bridge of their own, made with `ip`, and removed again.
///
/// The bridge lives in this process's namespace with the address `headAddress` (the head listens there); each host is
/// a namespace joined to the bridge by a veth pair, with `hostAddresses[i]` on its `eth0`. Everything is named after
/// this process's pid and a count of the networks it made, in a private range, so that neither two test processes nor
/// two networks of one process collide. ``setLink(host:up:)`` cuts a host off silently (a partition) and
/// ``setNetem(host:_:)`` makes its link slow and lossy (`tc netem`, where the kernel has it).
///
/// ```swift
/// let network = try TestNetwork(hosts: 2)
/// defer { network.remove() }
/// let agent = try CommandRunner.Running("/usr/sbin/ip", network.exec(host: 0, worker, ["serve", ...]))
/// ```
public final class TestNetwork: Sendable {
    /// Why these tests cannot run here, or `nil` when they can (root, and `ip` is installed).
    public static let unavailableReason: String? = {
        if getuid() != 0 { return "network namespace tests need root (they create namespaces, a bridge and veths)" }
        if ipPath == nil { return "network namespace tests need `ip` (iproute2), which is not installed" }
        return nil
    }()

    static let ipPath: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The `ip` executable.
    public let ip: String
    /// The namespaces, one per host.
    public let namespaces: [String]
    /// Each host's address.
    public let hostAddresses: [String]
    /// The bridge's address, in this process's namespace.
    public let headAddress: String
    private let bridge: String
    /// Each host's veth end on the bridge, in this process's namespace.
    public let hostLinks: [String]

    /// How many networks this process has made, to name each apart.
    private static let made = Mutex(0)

    /// Why `tc netem` cannot run here, or `nil` when it can (the kernel has `sch_netem`).
    public static let netemUnavailableReason: String? = {
        if let reason = unavailableReason { return reason }
        guard let tc = tcPath else { return "netem tests need `tc` (iproute2), which is not installed" }
        guard let network = try? TestNetwork(hosts: 1) else { return "could not make a test network" }
        defer { network.remove() }
        do {
            try TestNetwork.run(tc, ["qdisc", "add", "dev", network.hostLinks[0], "root", "netem", "delay", "1ms"])
            return nil
        } catch {
            return "this kernel has no `tc netem` (sch_netem): \(error)"
        }
    }()

    static let tcPath: String? = ["/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc", "/bin/tc"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Makes `hosts` namespaces on a new bridge.
    public init(hosts: Int) throws {
        guard let ip = Self.ipPath, Self.unavailableReason == nil else {
            throw TestNetworkError(description: Self.unavailableReason ?? "no ip")
        }
        let count = Self.made.withLock { made -> Int in
            made += 1
            return made
        }
        let tag = (Int(getpid()) % 10_000) * 10 + count % 10
        let subnet = "10.\(200 + tag % 50).\(tag / 50 % 250)"
        self.ip = ip
        bridge = "tb\(tag)"
        headAddress = "\(subnet).1"
        namespaces = (0..<hosts).map { "trct\(tag)h\($0)" }
        hostAddresses = (0..<hosts).map { "\(subnet).\($0 + 2)" }
        hostLinks = (0..<hosts).map { "tv\(tag)h\($0)" }
        do {
            try Self.run(ip, ["link", "add", bridge, "type", "bridge"])
            try Self.run(ip, ["addr", "add", "\(headAddress)/24", "dev", bridge])
            try Self.run(ip, ["link", "set", bridge, "up"])
            for (index, namespace) in namespaces.enumerated() {
                let outside = hostLinks[index]
                try Self.run(ip, ["netns", "add", namespace])
                try Self.run(ip, ["link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace])
                try Self.run(ip, ["link", "set", outside, "master", bridge, "up"])
                try Self.run(ip, ["-n", namespace, "addr", "add", "\(hostAddresses[index])/24", "dev", "eth0"])
                try Self.run(ip, ["-n", namespace, "link", "set", "eth0", "up"])
                try Self.run(ip, ["-n", namespace, "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// The arguments for `ip` that run `program` in host `index`'s namespace.
    public func exec(host index: Int, _ program: String, _ arguments: [String]) -> [String] {
        ["netns", "exec", namespaces[index], program] + arguments
    }

    /// Takes host `index`'s link down (both ends of its veth: nothing passes, nobody is told) or brings it back up.
    ///
    /// ```swift
    /// try network.setLink(host: 1, up: false)   // a silent partition
    /// ```
    public func setLink(host index: Int, up: Bool) throws {
        let state = up ? "up" : "down"
        try Self.run(ip, ["link", "set", hostLinks[index], state])
        try Self.run(ip, ["-n", namespaces[index], "link", "set", "eth0", state])
    }

    /// Applies `tc netem` with `parameters` to both directions of host `index`'s link (`[]` removes it).
    ///
    /// ```swift
    /// try network.setNetem(host: 0, ["delay", "20ms", "5ms", "loss", "1%"])
    /// ```
    public func setNetem(host index: Int, _ parameters: [String]) throws {
        guard let tc = Self.tcPath else { throw TestNetworkError(description: "`tc` is not installed") }
        let outside = ["dev", hostLinks[index], "root"]
        let inside = ["-n", namespaces[index], "qdisc"]
        if parameters.isEmpty {
            _ = try? Self.run(tc, ["qdisc", "del"] + outside)
            _ = try? Self.run(tc, inside + ["del", "dev", "eth0", "root"])
            return
        }
        try Self.run(tc, ["qdisc", "replace"] + outside + ["netem"] + parameters)
        try Self.run(tc, inside + ["replace", "dev", "eth0", "root", "netem"] + parameters)
    }

    /// The processes in host `index`'s namespace (`ip netns pids`).
    public func processes(inHost index: Int) -> [Int32] {
        let output = (try? Self.run(ip, ["netns", "pids", namespaces[index]])) ?? ""
        return output.split(whereSeparator: \.isNewline).compactMap { Int32($0) }
    }

    /// Kills every process in every namespace, removes the namespaces, the veths and the bridge. Safe to call twice.
    public func remove() {
        for index in namespaces.indices {
            for pid in processes(inHost: index) { kill(pid, SIGKILL) }
        }
        // Deleting a veth here is done when `ip` returns; one that goes with its namespace lingers a while, and the
        // next network of this process would find its name taken.
        for veth in hostLinks { _ = try? Self.run(ip, ["link", "del", veth]) }
        for namespace in namespaces { _ = try? Self.run(ip, ["netns", "del", namespace]) }
        _ = try? Self.run(ip, ["link", "del", bridge])
    }

    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let program = process.executableURL?.lastPathComponent ?? path
            throw TestNetworkError(description: "\(program) \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return text
    }
}

/// A namespace, bridge or veth could not be made.
public struct TestNetworkError: Error, CustomStringConvertible {
    public var description: String
}
