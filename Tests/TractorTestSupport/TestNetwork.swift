//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// Hosts for tests: network namespaces on a bridge of their own, made with `ip`, and removed again.
///
/// The bridge lives in this process's namespace with the address `headAddress` (the head listens there); each host is
/// a namespace joined to the bridge by a veth pair, with `hostAddresses[i]` on its `eth0`. Everything is named after
/// this process's pid, in a private range, so that two test processes do not collide.
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
    /// The veths' ends outside the namespaces.
    private let veths: [String]

    /// Makes `hosts` namespaces on a new bridge.
    public init(hosts: Int) throws {
        guard let ip = Self.ipPath, Self.unavailableReason == nil else {
            throw TestNetworkError(description: Self.unavailableReason ?? "no ip")
        }
        let tag = Int(getpid()) % 100_000
        let subnet = "10.\(200 + tag % 50).\(tag / 50 % 250)"
        self.ip = ip
        bridge = "tb\(tag)"
        headAddress = "\(subnet).1"
        namespaces = (0..<hosts).map { "trct\(tag)h\($0)" }
        veths = (0..<hosts).map { "tv\(tag)h\($0)" }
        hostAddresses = (0..<hosts).map { "\(subnet).\($0 + 2)" }
        do {
            try Self.run(ip, ["link", "add", bridge, "type", "bridge"])
            try Self.run(ip, ["addr", "add", "\(headAddress)/24", "dev", bridge])
            try Self.run(ip, ["link", "set", bridge, "up"])
            for (index, namespace) in namespaces.enumerated() {
                let outside = "tv\(tag)h\(index)"
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
        for veth in veths { _ = try? Self.run(ip, ["link", "del", veth]) }
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
            throw TestNetworkError(description: "ip \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return text
    }
}

/// A namespace, bridge or veth could not be made.
public struct TestNetworkError: Error, CustomStringConvertible {
    public var description: String
}
