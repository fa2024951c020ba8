//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// A Slurm cluster for tests: Debian's `slurm-wlm`, one `slurmd` per host of a ``TestNetwork`` (each started with
/// `slurmd -N NODE` inside its namespace; Debian builds Slurm with multiple-slurmd support), `slurmctld` and `munged`
/// in this process's namespace, all with their files in a private directory, and all stopped again by ``stop()``.
///
/// `ip netns exec` gives each `slurmd` a fresh `/sys` without cgroup mounts, which `slurmd` refuses; the command
/// mounts the cgroup v1 hierarchies it looks for there, in the mount namespace `ip netns exec` made for it alone.
///
/// ```swift
/// let network = try TestNetwork(hosts: 2)
/// defer { network.remove() }
/// let cluster = try SlurmCluster(network: network)
/// defer { cluster.stop() }
/// let output = try SlurmCluster.run(cluster.command("sbatch"), ["--wait", "-N2", script], environment: cluster.environment)
/// ```
public final class SlurmCluster: Sendable {
    /// Why Slurm tests cannot run here, or `nil` when they can; installs `slurm-wlm` and `munge` with apt when missing.
    public static let unavailableReason: String? = {
        if let reason = TestNetwork.unavailableReason { return reason }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld") {
            let environment = ["DEBIAN_FRONTEND": "noninteractive"]
            do {
                _ = try run("/usr/bin/apt-get", ["update", "-qq"], environment: environment)
                _ = try run("/usr/bin/apt-get", ["install", "-y", "-qq", "slurm-wlm", "munge"], environment: environment)
            } catch {
                return "Slurm tests need Debian's slurm-wlm and munge, and installing them failed: \(error)"
            }
        }
        for program in ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"]
        where !FileManager.default.isExecutableFile(atPath: program) {
            return "Slurm tests need \(program), which is missing after installing slurm-wlm and munge"
        }
        return nil
    }()

    /// The private directory: configuration, state, logs, munge's key and socket.
    public let directory: String
    /// The `slurm.conf`; clients find it through ``environment``.
    public let configuration: String
    /// The nodes, one per host of the network, in its order: `tn0`, `tn1`, ….
    public let nodes: [String]
    /// Whether `scontrol show config` says `MULTIPLE_SLURMD = Yes`.
    public let multipleSlurmd: Bool
    private let network: TestNetwork

    /// What a Slurm client (`sbatch`, `squeue`, `scancel`) needs in its environment: `SLURM_CONF`.
    public var environment: [String: String] { ["SLURM_CONF": configuration] }

    /// Writes the configuration, starts `munged`, `slurmctld` and one `slurmd` per host, and waits until every node
    /// is idle.
    public init(network: TestNetwork, timeout: Duration = .seconds(60)) throws {
        self.network = network
        nodes = network.namespaces.indices.map { "tn\($0)" }
        directory = NSTemporaryDirectory() + "tractor-slurm-\(getpid())"
        configuration = directory + "/slurm.conf"
        let munge = directory + "/munge"
        let environment = ["SLURM_CONF": configuration]
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: munge, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        let key = Data((0..<1024).map { _ in UInt8.random(in: 0...255) })
        guard FileManager.default.createFile(
            atPath: munge + "/munge.key", contents: key, attributes: [.posixPermissions: 0o400]
        ) else { throw SlurmClusterError(description: "cannot write munge's key in \(munge)") }

        var hostname = [CChar](repeating: 0, count: 256)
        gethostname(&hostname, 255)
        let host = String(decoding: hostname.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let port = 20_000 + Int(getpid()) % 20_000
        var lines = [
            "ClusterName=tractor", "SlurmctldHost=\(host)(\(network.headAddress))",
            "SlurmctldPort=\(port)", "SlurmdPort=\(port + 1)", "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", "AuthInfo=socket=\(munge)/munge.socket", "CredType=cred/munge",
            "StateSaveLocation=\(directory)/state", "SlurmdSpoolDir=\(directory)/spool-%n",
            "SlurmctldPidFile=\(directory)/slurmctld.pid", "SlurmdPidFile=\(directory)/slurmd-%n.pid",
            "SlurmctldLogFile=\(directory)/slurmctld.log", "SlurmdLogFile=\(directory)/slurmd-%n.log",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none", "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU", "MpiDefault=none", "ReturnToService=2",
            "KillWait=5",
        ]
        for (index, node) in nodes.enumerated() {
            lines.append("NodeName=\(node) NodeAddr=\(network.hostAddresses[index]) NodeHostname=\(host) CPUs=2")
        }
        lines.append("PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES")
        try (lines.joined(separator: "\n") + "\n").write(toFile: configuration, atomically: true, encoding: .utf8)

        do {
            try Self.run("/usr/sbin/munged", [
                "--force", "--key-file=\(munge)/munge.key", "--socket=\(munge)/munge.socket",
                "--pid-file=\(munge)/munged.pid", "--log-file=\(munge)/munged.log", "--seed-file=\(munge)/seed",
            ], daemon: true)
            try Self.run("/usr/sbin/slurmctld", ["-f", configuration, "-i"], environment: environment, daemon: true)
            let mounts = "mount -t tmpfs cgroup /sys/fs/cgroup && for c in freezer cpuset memory devices; do "
                + "mkdir -p /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done && "
                + "mkdir -p /sys/fs/cgroup/systemd && mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd"
            for (index, node) in nodes.enumerated() {
                try Self.run(network.ip, network.exec(
                    host: index, "/bin/sh", ["-c", "\(mounts) && exec /usr/sbin/slurmd -f \(configuration) -N \(node)"]
                ), daemon: true)
            }
            let config = try Self.run("/usr/bin/scontrol", ["show", "config"], environment: environment)
            multipleSlurmd = config.contains { $0.isNewline } && config.split(separator: "\n").contains {
                $0.hasPrefix("MULTIPLE_SLURMD") && $0.hasSuffix("Yes")
            }
        } catch {
            Self.stop(directory: directory, nodes: nodes)
            throw error
        }
        do {
            try waitUntilIdle(timeout: timeout)
        } catch {
            stop()
            throw error
        }
    }

    /// Waits until `sinfo` shows every node idle.
    public func waitUntilIdle(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        var states = ""
        while ContinuousClock.now < deadline {
            states = (try? Self.run("/usr/bin/sinfo", ["-h", "-N", "-o", "%N %t"], environment: environment)) ?? ""
            let idle = states.split(separator: "\n").filter { $0.hasSuffix(" idle") }.count
            if idle == nodes.count { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw SlurmClusterError(
            description: "the Slurm nodes did not become idle within \(timeout): \(states); see \(directory)/*.log"
        )
    }

    /// The pids of the `slurmd` daemons, one per host.
    public var slurmdProcessIDs: [Int32] {
        nodes.compactMap { Self.pid(in: "\(directory)/slurmd-\($0).pid") }
    }

    /// Cancels every job, stops the daemons (SIGTERM, then SIGKILL), and removes the directory. Safe to call twice.
    public func stop() {
        Self.stop(directory: directory, nodes: nodes)
    }

    private static func stop(directory: String, nodes: [String]) {
        let environment = ["SLURM_CONF": directory + "/slurm.conf"]
        _ = try? Self.run("/usr/bin/scancel", ["--full", "--partition=test"], environment: environment)
        let slurmds = nodes.compactMap { Self.pid(in: "\(directory)/slurmd-\($0).pid") }
        let pids = slurmds + [
            Self.pid(in: "\(directory)/slurmctld.pid"), Self.pid(in: "\(directory)/munge/munged.pid"),
        ].compactMap { $0 }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(15)
        // A daemon whose parent exited is this process's child when it is a subreaper: reap those, or they linger.
        func reap() { for pid in pids { _ = waitpid(pid, nil, WNOHANG) } }
        while ContinuousClock.now < deadline, pids.contains(where: { reap(); return kill($0, 0) == 0 }) {
            Thread.sleep(forTimeInterval: 0.1)
        }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        reap()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func pid(in file: String) -> Int32? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Runs `path` to its end and returns its standard output; throws with its standard error if it fails.
    ///
    /// A `daemon` (which forks and leaves a child holding its output) writes to `/dev/null`. Started with
    /// `posix_spawn` and waited for with `waitpid` (Foundation's `Process` can miss the exit of a program that
    /// forks a daemon and exits at once), its output going to files, not pipes, so that no forked child holds it up.
    @discardableResult
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], daemon: Bool = false
    ) throws -> String {
        let base = NSTemporaryDirectory() + "tractor-run-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let outputPath = daemon ? "/dev/null" : base + ".out"
        let errorPath = daemon ? "/dev/null" : base + ".err"
        defer {
            if !daemon {
                unlink(outputPath)
                unlink(errorPath)
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw SlurmClusterError(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = daemon ? "" : ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
        let message = daemon ? "" : ((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
        // Exited with status 0: the low seven bits (the signal) and the status byte are zero.
        guard status == 0 else {
            throw SlurmClusterError(
                description: "\(path) \(arguments.joined(separator: " ")) ended with wait status \(status): \(message)"
            )
        }
        return text
    }
}

/// The cluster could not be set up, or a command failed.
public struct SlurmClusterError: Error, CustomStringConvertible {
    public var description: String
}

extension TestNetwork {
    /// A new network, made again while the kernel still frees the links of the last one this process removed (a
    /// namespace's veth goes some moments after the namespace, and the next network reuses its names).
    public static func fresh(hosts: Int, timeout: Duration = .seconds(30)) throws -> TestNetwork {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                return try TestNetwork(hosts: hosts)
            } catch let error as TestNetworkError where "\(error)".contains("File exists") {
                guard ContinuousClock.now < deadline else { throw error }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }
}
