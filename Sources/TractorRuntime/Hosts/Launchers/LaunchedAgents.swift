//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// The host agents a launcher started for this head, inside ``Tractor/withAgents(launchedBy:configuration:isolation:_:)``.
///
/// ```swift
/// try await Tractor.withAgents(launchedBy: .ssh(hosts: ["node-1", "node-2"])) { agents in
///     print(agents.commandLine)                 // ssh -o BatchMode=yes -T node-1 -- pool-worker serve …
///     let hosts = try await agents.waitForHosts()   // ["node-1", "node-2"]
/// }
/// ```
///
/// - Important: The handle is invalid once the scope's body returns: by then the agents have been stopped.
public final class LaunchedAgents: Sendable {
    /// The launcher.
    public let launcher: AgentLauncher
    /// The names the agents join under: the allocation's nodes, the ssh hosts; empty for ``AgentLauncher/byHand``.
    public let expectedHosts: [String]
    /// What was run (one line per process) or, for ``AgentLauncher/byHand``, what to run; never with the secret.
    public let commandLine: String
    /// The head's address as the agents were told it, `HOST:PORT`.
    public let headAddress: String

    private struct Started: Sendable {
        var launch: AgentLaunch
        var process: ChildProcess
        /// The write end of its standard input, while it is kept open as the agent's lifeline.
        var input: CInt?
    }

    /// The launcher processes, in the order started; guarded by its mutex.
    private let started = Mutex<[Started]>([])
    private let configuration: AgentLaunchConfiguration

    private init(
        launcher: AgentLauncher, expectedHosts: [String], commandLine: String, headAddress: String,
        configuration: AgentLaunchConfiguration
    ) {
        self.launcher = launcher
        self.expectedHosts = expectedHosts
        self.commandLine = commandLine
        self.headAddress = headAddress
        self.configuration = configuration
    }

    /// Waits until every expected agent has joined, and returns their names in the launcher's order.
    ///
    /// For ``AgentLauncher/byHand``, which expects no names, see ``waitForHosts(_:timeout:)``.
    ///
    /// ```swift
    /// let hosts = try await agents.waitForHosts(timeout: .seconds(120))
    /// ```
    ///
    /// - Throws: ``TractorError`` `.spawnFailed` when a launcher process (`srun`, `ssh`) exits before its agents have
    ///   joined (the message gives its exit status); `.timedOut` past `timeout`; `.invalidArgument` when the head
    ///   stopped listening; `CancellationError`.
    public func waitForHosts(timeout: Duration = .seconds(120)) async throws -> [String] {
        guard let listener = ActorRuntime.agentListener else {
            throw TractorError(.invalidArgument, "the head no longer listens for agents")
        }
        let launched = started.withLock { $0.map { ($0.launch, $0.process) } }
        let names = expectedHosts
        return try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                for name in names { _ = try await listener.waitForHost(named: name, timeout: timeout) }
                return names
            }
            for (launch, process) in launched {
                group.addTask {
                    // Ends with the launcher process; `nil` when the wait is cancelled or its agents joined first.
                    guard let status = await process.waitForExit(timeout: nil) else { return nil }
                    let joined = listener.hosts
                    let missing = launch.hosts.filter { joined[$0] == nil }
                    guard missing.isEmpty else {
                        throw TractorError(
                            .spawnFailed,
                            "\(launch.program) \(status) before the agents of \(missing.joined(separator: ", ")) joined "
                                + "the head at \(self.headAddress); its standard error says why"
                        )
                    }
                    return nil
                }
            }
            while let next = try await group.next() {
                if let next {
                    group.cancelAll()
                    return next
                }
            }
            throw CancellationError()
        }
    }

    /// Waits until at least `count` agents have joined, for ``AgentLauncher/byHand``, and returns their names.
    ///
    /// ```swift
    /// let hosts = try await agents.waitForHosts(4)
    /// ```
    ///
    /// - Throws: As ``Tractor/waitForHosts(_:timeout:)``.
    public func waitForHosts(_ count: Int, timeout: Duration = .seconds(120)) async throws -> [String] {
        try await Tractor.waitForHosts(count, timeout: timeout)
    }

    /// The pids of the launcher processes still running (`srun`, `ssh`).
    public var launcherProcessIDs: [Int32] {
        started.withLock { $0.filter { $0.process.status == nil }.map(\.process.pid) }
    }

    /// Works out and starts the launcher processes.
    static func start(
        _ launcher: AgentLauncher, configuration: AgentLaunchConfiguration
    ) async throws -> LaunchedAgents {
        guard let listener = ActorRuntime.agentListener else {
            throw TractorError(
                .invalidArgument, "Tractor.withAgents needs Tractor.listenForAgents(on:) first: agents need a port"
            )
        }
        let secret = try TractorSecret.given(configuration.secret, else: configuration.secretFile)
        let head = headAddress(configuration.headAddress, listening: listener.address)
        let environment = sys_environment()
        let plan = try launcher.plan(
            agent: configuration.agentExecutable, head: head, connectTimeout: configuration.connectTimeout,
            environment: environment
        )
        let agents = LaunchedAgents(
            launcher: launcher, expectedHosts: plan.launches.flatMap(\.hosts), commandLine: plan.commandLine,
            headAddress: head, configuration: configuration
        )
        if case .byHand = launcher.kind {
            let text = "Start an agent on each host with:\n  \(plan.commandLine)\n"
            _ = text.utf8CString.withUnsafeBytes { sys_write_all(STDERR_FILENO, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        }
        ActorRuntime.shared.logger.info("starting host agents \(launcher): \(plan.commandLine)")
        for launch in plan.launches {
            do {
                try await agents.spawn(launch, secret: secret, environment: environment)
            } catch {
                await agents.stop()
                throw error
            }
        }
        return agents
    }

    private func spawn(_ launch: AgentLaunch, secret: TractorSecret, environment: [String: String]) async throws {
        guard let program = sys_find_executable(launch.program, searchPath: environment["PATH"]) else {
            throw TractorError(
                .spawnFailed, "cannot start the agents of \(launch.hosts.joined(separator: ", ")): no program "
                    + "\(launch.program) in PATH"
            )
        }
        var childEnvironment = environment
        if launch.secretInEnvironment { childEnvironment[TractorSecret.environmentVariable] = secret.hexEncoded() }
        let input: (read: CInt, write: CInt?)
        if launch.secretOnStandardInput {
            // Written before the child starts, into the pipe's buffer: the read end is open, so no SIGPIPE.
            let pipe = try sys_pipe()
            let line = secret.hexEncoded() + "\n"
            _ = line.utf8CString.withUnsafeBytes { sys_write_all(pipe.write, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            input = (pipe.read, pipe.write)
        } else {
            input = (sys_open_null(), nil)
        }
        defer { sys_close(input.read) }
        let command = SpawnCommand(
            executable: program, arguments: launch.arguments, environment: childEnvironment,
            standardInput: input.read >= 0 ? input.read : nil
        )
        let process: ChildProcess
        do {
            process = try await Spawner.spawn(command)
        } catch {
            if let write = input.write { sys_close(write) }
            throw error
        }
        started.withLock { $0.append(Started(launch: launch, process: process, input: input.write)) }
    }

    /// Ends what was started: closes each agent's connection and standard input, waits, then SIGTERM, SIGKILL, reap.
    func stop() async {
        let all = started.withLock { started -> [Started] in
            defer { for index in started.indices { started[index].input = nil } }
            return started
        }
        let listener = ActorRuntime.agentListener
        for agent in all {
            for host in agent.launch.hosts { listener?.hosts[host]?.disconnect() }
            if let input = agent.input { sys_close(input) }
        }
        let configuration = self.configuration
        await withTaskGroup(of: Void.self) { group in
            for agent in all {
                group.addTask {
                    let process = agent.process
                    if await process.waitForExit(timeout: configuration.exitTimeout) != nil { return }
                    process.signal(SIGTERM)
                    if await process.waitForExit(timeout: configuration.terminateTimeout) != nil { return }
                    process.signal(SIGKILL)
                    await process.waitUntilReaped()
                }
            }
        }
    }

    /// `HOST:PORT` as the agents should reach the head.
    static func headAddress(_ given: String?, listening: SocketAddress) -> String {
        let port = listening.port
        if let given {
            if given.hasPrefix("[") { return given.contains("]:") ? given : "\(given):\(port)" }
            switch given.filter({ $0 == ":" }).count {
            case 0: return "\(given):\(port)"
            case 1: return given
            default: return "[\(given)]:\(port)"
            }
        }
        let host = listening.host
        let wildcard = host == "0.0.0.0" || host == "::"
        let name = wildcard ? (sys_gethostname() ?? "localhost") : host
        return name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
    }
}
