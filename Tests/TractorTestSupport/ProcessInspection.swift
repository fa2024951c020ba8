//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation

/// What the tests that spawn real processes look at: this process's descriptors, its children and their state, all
/// read from `/proc`, and waiting for a condition without sleeping longer than it takes.
public enum ProcessInspection {
    /// The directory of the running test binary, where SwiftPM also put the package's executables.
    public static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().path
    }()

    /// Sockets and pidfds this process holds (the descriptors the runtime opens).
    public static func runtimeDescriptors() -> Int {
        runtimeDescriptorTargets().count
    }

    /// What each socket and pidfd this process holds points to, by descriptor number, such as `"12 socket:[4242]"`.
    public static func runtimeDescriptorTargets() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap { entry -> String? in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) ?? ""
            return target.hasPrefix("socket:") || target.contains("pidfd") ? "\(entry) \(target)" : nil
        }
    }

    /// The processes, alive or zombie, whose parent is `pid` and, given a prefix, whose command name or (alive)
    /// executable's file name starts with it. An actor's command name is its title (`pool-worker 0`, an actor's
    /// name), not its program's, so the executable is looked at too.
    public static func children(of pid: Int32 = getpid(), named prefix: String? = nil) -> [Int32] {
        allProcesses().filter { child in
            guard let stat = stat(of: child), stat.parent == pid else { return false }
            guard let prefix else { return true }
            return stat.command.hasPrefix(prefix) || (executableName(of: child)?.hasPrefix(prefix) ?? false)
        }
    }

    /// The children that the runtime spawned as actors running the program named with `prefix`, and every zombie
    /// child: live ones whose environment carries the spawn marker (other children with the same name, a
    /// command-line run of the same executable by a test of another suite, are left out), and any child left
    /// unreaped, whatever its name (a zombie's executable can no longer be read, and an actor's command name is its
    /// title; the programs the tests run themselves are reaped as soon as they exit).
    public static func actorChildren(of pid: Int32 = getpid(), named prefix: String) -> [Int32] {
        allProcesses().filter { child in
            guard let stat = stat(of: child), stat.parent == pid else { return false }
            guard stat.state != "Z", stat.state != "X" else { return true }
            guard stat.command.hasPrefix(prefix) || (executableName(of: child)?.hasPrefix(prefix) ?? false) else {
                return false
            }
            return isSpawnedActor(child) ?? true
        }
    }

    /// The file name of the executable `pid` runs (`/proc/PID/exe`); `nil` for a zombie or a process that is gone.
    public static func executableName(of pid: Int32) -> String? {
        let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        return path.map { URL(fileURLWithPath: $0).lastPathComponent }
    }

    /// The command name of `pid` (`/proc/PID/comm`, at most 15 bytes); `nil` once it is reaped.
    public static func commandName(of pid: Int32) -> String? {
        stat(of: pid).map { String($0.command) }
    }

    /// The arguments `pid` was started with, `argv[0]` first (`/proc/PID/cmdline`); empty for a zombie.
    public static func commandLine(of pid: Int32) -> [String] {
        guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// Whether a process was started as an actor by the runtime: its environment carries the spawn marker (which the
    /// child takes out of its own environment variables, but not out of the environment it was started with).
    /// `nil` when the environment cannot be read (the process is gone, or a zombie).
    public static func isSpawnedActor(_ pid: Int32) -> Bool? {
        guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ"), !environment.isEmpty
        else { return nil }
        let marker = Array("TRACTOR_SPAWN=".utf8)
        return environment.split(separator: 0).contains { $0.starts(with: marker) }
    }

    /// The live actors (see ``isSpawnedActor(_:)``) running the executable at `path`, whatever their parent: what a
    /// program that re-executes itself for its workers may leave behind, and not other runs of the same program
    /// (`--help`, by a test of another suite).
    public static func actors(running path: String) -> [Int32] {
        processes(running: path).filter { isSpawnedActor($0) == true }
    }

    /// A process for a failure message: its pid, state, command line, and whether it carries the spawn marker.
    public static func describe(_ pid: Int32) -> String {
        let state = stat(of: pid).map { String($0.state) } ?? "gone"
        let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            .map { String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self) } ?? ""
        return "\(pid) [\(state)\(isSpawnedActor(pid) == true ? ", spawned" : "")] \(commandLine)"
    }

    /// The live processes running the executable at `path` (as `/proc/PID/exe` shows it), whatever their parent.
    public static func processes(running path: String) -> [Int32] {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return allProcesses().filter { pid in
            guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") else {
                return false
            }
            return exe == target && isAlive(pid)
        }
    }

    /// Those of `pids` that still have an entry in `/proc`: alive, or a zombie that nobody has reaped yet. A process
    /// is gone only once it is reaped; `kill(pid, 0)` succeeds for a zombie too, so it cannot tell.
    public static func unreaped(_ pids: some Sequence<Int32>) -> [Int32] {
        pids.filter { stat(of: $0) != nil }
    }

    /// Whether `pid` is a live (not zombie) process.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let state = stat(of: pid)?.state else { return false }
        return state != "Z" && state != "X"
    }

    /// The user CPU time a process has used, in clock ticks.
    public static func cpuTicks(of pid: Int32) -> Int {
        stat(of: pid)?.userTicks ?? 0
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    public static func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// Polls an asynchronous `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
    public static func eventually(
        within timeout: Duration = .seconds(5),
        _ condition: () async -> Bool
    ) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }

    /// A fresh temporary directory for pid files and barriers.
    public static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "tractor-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The pids recorded as files in `directory`.
    public static func recordedPIDs(in directory: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap(Int32.init)
    }

    /// Runs `body`, then waits until this process holds no more runtime descriptors than before it and has no actor
    /// child (see ``actorChildren(of:named:)``) named with `childPrefix` left, alive or zombie. Returns the body's
    /// result and, if that never happened, what leaked. One leak check runs at a time in the process (see
    /// `ProcessCheckLock`), so that tests of suites running in parallel do not count each other's descriptors.
    public static func leakCheck<T>(
        children childPrefix: String,
        _ body: () async throws -> T
    ) async throws -> (result: Result<T, any Error>, leaked: String?) {
        try await ProcessCheckLock.withLock { try await leakCheckHoldingLock(children: childPrefix, body) }
    }

    private static func leakCheckHoldingLock<T>(
        children childPrefix: String,
        _ body: () async throws -> T
    ) async throws -> (result: Result<T, any Error>, leaked: String?) {
        let baselineTargets = Set(runtimeDescriptorTargets())
        let baseline = baselineTargets.count
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        let leftovers = { actorChildren(named: childPrefix) }
        let settled = await eventually(within: .seconds(10)) { runtimeDescriptors() <= baseline && leftovers().isEmpty }
        let extra = runtimeDescriptorTargets().filter { !baselineTargets.contains($0) }
        let leaked = settled
            ? nil : "leaked: \(runtimeDescriptors() - baseline) descriptors \(extra.prefix(8)), children \(leftovers())"
        return (result, leaked)
    }

    private static func allProcesses() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    /// The command name, state, parent and user time of `/proc/PID/stat`.
    private static func stat(of pid: Int32) -> (command: Substring, state: Character, parent: Int32, userTicks: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt,
        // utime.
        let fields = text[text.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 11, let state = fields[0].first, let parent = Int32(fields[1]), let ticks = Int(fields[11])
        else { return nil }
        return (text[text.index(after: open)..<close], state, parent, ticks)
    }
}
