//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// An `sshd` in one host of a ``TestNetwork``, accepting root with a key made for it, with its files in a private
/// directory; ``stop()`` ends it.
///
/// ```swift
/// let server = try SSHServer(network: network, host: 1)
/// defer { server.stop() }
/// // ssh \(server.clientOptions) root@\(network.hostAddresses[1]) -- true
/// ```
public final class SSHServer: Sendable {
    /// Why ssh tests cannot run here, or `nil`; installs `openssh-server` with apt when `sshd` is missing.
    public static let unavailableReason: String? = {
        if let reason = TestNetwork.unavailableReason { return reason }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") {
            let environment = ["DEBIAN_FRONTEND": "noninteractive"]
            do {
                try SlurmCluster.run("/usr/bin/apt-get", ["update", "-qq"], environment: environment)
                try SlurmCluster.run(
                    "/usr/bin/apt-get", ["install", "-y", "-qq", "openssh-server", "openssh-client"], environment: environment
                )
            } catch {
                return "ssh tests need openssh-server, and installing it failed: \(error)"
            }
        }
        for program in ["/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-keygen"]
        where !FileManager.default.isExecutableFile(atPath: program) {
            return "ssh tests need \(program)"
        }
        return nil
    }()

    /// The private directory: host key, client key, configuration, pid file, log.
    public let directory: String
    /// The port it listens on, in its host.
    public let port: Int
    /// The pid of the listening `sshd`.
    public let pid: Int32
    /// The `ssh` options that reach it as root with the client key and no host-key prompt.
    public let clientOptions: [String]

    /// Makes the keys, writes the configuration and starts `sshd` in host `index` of `network`.
    public init(network: TestNetwork, host index: Int) throws {
        directory = NSTemporaryDirectory() + "tractor-sshd-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        // Privilege separation needs its empty directory.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        for key in ["host", "client"] {
            try SlurmCluster.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", "\(directory)/\(key)"])
        }
        try FileManager.default.copyItem(atPath: "\(directory)/client.pub", toPath: "\(directory)/authorized_keys")
        port = 2222
        let configuration = """
            Port \(port)
            ListenAddress \(network.hostAddresses[index])
            HostKey \(directory)/host
            PidFile \(directory)/sshd.pid
            AuthorizedKeysFile \(directory)/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PrintMotd no

            """
        try configuration.write(toFile: "\(directory)/sshd_config", atomically: true, encoding: .utf8)
        try SlurmCluster.run(
            network.ip, network.exec(host: index, "/usr/sbin/sshd", ["-f", "\(directory)/sshd_config", "-E", "\(directory)/sshd.log"]),
            daemon: true
        )
        // The daemon writes its pid file after the command has returned.
        var written: Int32?
        let deadline = ContinuousClock.now + .seconds(30)
        while written == nil, ContinuousClock.now < deadline {
            written = (try? String(contentsOfFile: "\(directory)/sshd.pid", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if written == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let pid = written else {
            throw SlurmClusterError(description: "sshd did not start; see \(directory)/sshd.log")
        }
        self.pid = pid
        clientOptions = [
            "-i", "\(directory)/client", "-p", "\(port)", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        ]
    }

    /// Stops `sshd` and removes the directory. Safe to call twice.
    public func stop() {
        kill(pid, SIGTERM)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
