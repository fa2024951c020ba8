//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// A second host on this machine: a network namespace joined by a veth pair to a bridge of its own, made with `ip`,
/// with a host agent (`pool-worker serve --connect`) running in it, and removed again.
///
/// The bridge holds ``headAddress`` in this process's namespace (where the head listens); the namespace holds
/// ``hostAddress`` on its `eth0`. Names and the subnet are derived from this process's pid, so that two runs do not
/// collide.
final class HostNetwork {
    /// Why the suite cannot run here, or `nil` when it can: it needs root and `ip` (iproute2).
    static let unavailableReason: String? = {
        if getuid() != 0 { return "needs root (it makes a network namespace, a bridge and a veth pair with `ip`)" }
        if ipPath == nil { return "needs `ip` (iproute2), which is not installed" }
        return nil
    }()

    static let ipPath = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// The executables the suite runs, built next to its binary (`swift build -c release --product ...`).
    static func sibling(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path + "/" + name
    }

    let ip: String
    let namespace: String
    let headAddress: String
    let hostAddress: String
    private let bridge: String
    private let outside: String

    /// Makes the namespace, the bridge and the veth pair.
    init() throws {
        guard let ip = Self.ipPath, Self.unavailableReason == nil else {
            throw HostNetworkError(description: Self.unavailableReason ?? "no ip")
        }
        let tag = Int(getpid()) % 100_000
        let subnet = "10.254.\(tag % 250)"
        self.ip = ip
        namespace = "trbench\(tag)"
        bridge = "tbb\(tag)"
        outside = "tbv\(tag)"
        headAddress = "\(subnet).1"
        hostAddress = "\(subnet).2"
        do {
            try run(["link", "add", bridge, "type", "bridge"])
            try run(["addr", "add", "\(headAddress)/24", "dev", bridge])
            try run(["link", "set", bridge, "up"])
            try run(["netns", "add", namespace])
            try run(["link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", namespace])
            try run(["link", "set", outside, "master", bridge, "up"])
            try run(["-n", namespace, "addr", "add", "\(hostAddress)/24", "dev", "eth0"])
            try run(["-n", namespace, "link", "set", "eth0", "up"])
            try run(["-n", namespace, "link", "set", "lo", "up"])
        } catch {
            remove()
            throw error
        }
    }

    /// Starts `program` in the namespace, its output discarded.
    func start(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "exec", namespace, program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Kills what runs in the namespace, removes it, the veth pair and the bridge.
    func remove() {
        let pids = (try? run(["netns", "pids", namespace])) ?? ""
        for pid in pids.split(whereSeparator: \.isNewline).compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        _ = try? run(["netns", "del", namespace])
        _ = try? run(["link", "del", outside])
        _ = try? run(["link", "del", bridge])
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
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
            throw HostNetworkError(description: "ip \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return text
    }
}

/// The namespace, bridge or veth could not be made, or the agent did not join.
struct HostNetworkError: Error, CustomStringConvertible {
    var description: String
}
