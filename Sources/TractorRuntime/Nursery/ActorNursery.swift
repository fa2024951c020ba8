//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// The handle of an actor nursery: starts actor processes that cannot outlive the nursery's scope.
///
/// Get one from ``withActorNursery(configuration:isolation:_:)``. Supervision is one-cancels-all: when an actor fails
/// (its `runInActor` job throws, or its process dies unasked), every other actor of the nursery is cancelled at once,
/// the scope's body is cancelled, and the error is raised by `withActorNursery`.
///
/// ```swift
/// try await withActorNursery { nursery in
///     let frank = try await nursery.startActor("frank", jobs: [question])       // a daemon
///     let adder = try await nursery.runInActor(add, [20, 22], name: "adder")   // one job, then it ends
///     print(try await frank.run(question), try await adder.result())
/// }   // every actor has exited and been reaped
/// ```
///
/// - Important: The handle is valid only inside the closure it was given to. Do not store it or use it after the closure
///   returns; calls on it then throw ``TractorError`` `.scopeClosed`.
public final class ActorNursery: Sendable {
    let runtime: ActorRuntime
    let configuration: ActorNurseryConfiguration
    let supervisor: NurserySupervisor

    init(runtime: ActorRuntime, configuration: ActorNurseryConfiguration) {
        self.runtime = runtime
        self.configuration = configuration
        self.supervisor = NurserySupervisor(
            local: runtime.identity, unexpectedExitHandler: configuration.unexpectedExitHandler
        )
    }

    /// Starts a daemon actor: a process that serves jobs until it is cancelled or the nursery closes.
    ///
    /// ```swift
    /// let frank = try await nursery.startActor("frank", jobs: [question])
    /// print(try await frank.run(question))
    /// try await frank.cancelActor()
    /// ```
    ///
    /// - Parameters:
    ///   - name: The actor's name, as the registry and error messages show it.
    ///   - jobs: The jobs to enable in the actor; empty enables every job its program was bootstrapped with.
    ///   - executable: The program to run; `nil` uses the nursery's configuration.
    /// - Returns: A portal to the new actor.
    /// - Throws: ``TractorError`` `.spawnFailed` or `.handshakeFailed` if the process could not be started or did not
    ///   connect back; `.scopeClosed` if the nursery is closing; `.cancelled` if the nursery was cancelled while the
    ///   actor was starting.
    public func startActor(
        _ name: String,
        jobs: [any JobDefinition] = [],
        executable: ActorExecutable? = nil
    ) async throws -> Portal {
        let child = try await start(name) {
            try await spawn(
                name: name, jobs: jobs.map(\.name), executable: executable ?? configuration.executable,
                title: .actor(name)
            )
        }
        return Portal(connection: child.connection, child: child)
    }

    /// Starts a daemon actor bound to CPUs and a memory node (the pool's workers), titled `title` in `ps` (default
    /// `actor NAME`). Not API.
    package func startActor(
        _ name: String,
        jobs: [String],
        executable: ActorExecutable?,
        binding: BindingSpec?,
        title: ProcessTitle? = nil
    ) async throws -> Portal {
        let child = try await start(name) {
            try await spawn(
                name: name, jobs: jobs, executable: executable ?? configuration.executable,
                title: title ?? .actor(name), binding: binding
            )
        }
        return Portal(connection: child.connection, child: child)
    }

    /// Starts an actor that runs one job and ends when the job returns.
    ///
    /// The job starts at once; read its result with ``ResultPortal/result()``. If it throws, the nursery fails: its
    /// other actors are cancelled and the error (a ``RemoteActorError``) is raised by `withActorNursery`, once, however
    /// often the body rethrows it. Leaving the scope waits for the job.
    ///
    /// ```swift
    /// let linguist = try await nursery.runInActor(cellarDoor, name: "linguist")
    /// print(try await linguist.result())
    /// ```
    public func runInActor<Input, Output>(
        _ job: Job<Input, Output>,
        _ input: Input,
        name: String,
        executable: ActorExecutable? = nil
    ) async throws -> ResultPortal<Output> where Input: Codable, Output: Codable {
        let child = try await start(name) {
            try await spawn(
                name: name, jobs: [job.name], executable: executable ?? configuration.executable, title: .actor(name)
            )
        }
        return run(job, input, in: child)
    }

    /// Runs `job` in `child` as its one job, supervised: its failure is the nursery's, its success ends the actor.
    func run<Input, Output>(_ job: Job<Input, Output>, _ input: Input, in child: ChildActor) -> ResultPortal<Output>
    where Input: Codable, Output: Codable {
        let portal = Portal(connection: child.connection, child: child)
        let supervisor = self.supervisor
        let task = Task<Output, any Error> {
            defer { supervisor.runnerFinished(for: child) }
            do {
                let output = try await portal.run(job, input)
                supervisor.beginTearDown(child)
                return output
            } catch {
                supervisor.failed(child.id, error)
                throw error
            }
        }
        supervisor.addRunner(task, for: child)
        return ResultPortal(portal: portal, task: task)
    }

    /// Starts an actor that runs one job taking no input.
    ///
    /// ```swift
    /// let one = try await nursery.runInActor(cellarDoor, name: "linguist")
    /// ```
    public func runInActor<Output>(
        _ job: Job<NoInput, Output>,
        name: String,
        executable: ActorExecutable? = nil
    ) async throws -> ResultPortal<Output> where Output: Codable {
        try await runInActor(job, NoInput(), name: name, executable: executable)
    }

    /// Cancels every actor of the nursery (the ladder: cancel, SIGTERM, SIGKILL) and waits until all are reaped.
    ///
    /// The body goes on; the nursery does not fail because of this cancellation.
    ///
    /// ```swift
    /// _ = try await nursery.startActor("frank", jobs: [question])
    /// await nursery.cancel()
    /// print(nursery.actors.isEmpty)   // true
    /// ```
    public func cancel() async {
        await supervisor.cancelAll(failing: false)
    }

    /// The actors alive now.
    public var actors: [ActorID] { supervisor.living.filter { !$0.process.hasEnded }.map(\.id) }

    /// Starts actor `name` with `spawn`; a start that the nursery's cancellation stopped throws `.cancelled`.
    func start(_ name: String, _ spawn: () async throws -> ChildActor) async throws -> ChildActor {
        let cancellations = supervisor.cancellations
        do {
            return try await spawn()
        } catch {
            throw supervisor.startFailure(error, of: name, cancellationsBefore: cancellations)
        }
    }

    private func spawn(
        name: String,
        jobs: [String],
        executable: ActorExecutable,
        title: ProcessTitle,
        binding: BindingSpec? = nil
    ) async throws -> ChildActor {
        try supervisor.checkOpen()
        try runtime.requireBootstrap()
        // Wait for a slot among the children this process starts at once; the spawn timeout starts after.
        let limit = runtime.configuration.maximumConcurrentSpawns
        try await runtime.spawnLimiter.acquire(limit: limit)
        var joined = false
        defer { runtime.spawnLimiter.release(succeeded: joined, limit: limit) }
        try supervisor.checkOpen()
        let uid = Hex.encode(sys_random_bytes(8))
        let cookie = sys_random_bytes(16)
        let pending = runtime.expectChild(cookie: cookie)
        let marker = SpawnMarker(
            parentSocket: runtime.listenerPath,
            parentPID: getpid(),
            name: name,
            uid: uid,
            cookie: cookie,
            treeSecret: runtime.treeSecret,
            socketDirectory: runtime.socketDirectory,
            registryAddress: runtime.registryAddress ?? ""
        )
        var environment = sys_environment()
        environment[SpawnMarker.variable] = marker.encoded
        environment[ProcessBinder.environmentVariable] = binding?.environmentValue
        environment[ProcessTitle.environmentVariable] = title.name
        let logger = configuration.logger ?? runtime.logger
        let process: ChildProcess
        do {
            process = try await Spawner.spawn(
                SpawnCommand(
                    executable: executable.path,
                    arguments: executable.arguments,
                    environment: environment,
                    firstArgument: title.commandLine(program: ProcessTitle.programName)
                )
            )
        } catch {
            pending.forget(TractorError(.spawnFailed, "actor '\(name)' could not be started"))
            logger.debug("could not start actor '\(name)' (\(executable.path)): \(error)")
            throw error
        }
        let started = ContinuousClock.now
        let path = executable.path
        logger.debug("spawned actor '\(name)' as pid \(process.pid): \(path), \(Self.describe(binding)), \(title.role)")
        // Until it joins (or is reaped), the nursery cannot end; a cancelled nursery kills it.
        supervisor.startedProcess(uid) { process.signal(SIGKILL) }
        defer { supervisor.finishedStarting(uid) }
        let child = "actor '\(name)' (\(executable.path))"
        process.onExit { status in
            pending.abandon(TractorError(
                .spawnFailed,
                "\(child) \(status) before it connected back; a program whose actors are copies of itself must call "
                    + "Tractor.bootstrap(jobs:) as the first statement of main (see the actor's standard error)"
            ))
        }
        let (channel, hello): (Channel, Hello)
        do {
            (channel, hello) = try await pending.wait(timeout: configuration.spawnTimeout, child: child)
        } catch {
            logger.debug("actor '\(name)' (pid \(process.pid)) did not complete its handshake: \(error); killing it")
            process.signal(SIGKILL)
            // Reaped before this returns, even when the calling task is cancelled (which ended the wait above).
            await process.waitUntilReaped()
            throw error
        }
        let spec = SpawnSpec(
            jobs: jobs,
            binding: binding,
            registryAddress: runtime.registryAddress,
            logLevel: logger.logLevel.rawValue,
            teardown: configuration.teardown.wire,
            parent: runtime.identity
        )
        let id = ActorID(name: name, uid: uid, pid: process.pid)
        var events = PeerConnection.Events()
        let supervisor = self.supervisor
        events.closed = { connection, reason in
            // The exit status names the cause better than the closed channel: give it a second to arrive (the exit
            // then fails the calls), and fail them with the closed channel only if it has not.
            IOLoop.shared.execute(after: .seconds(1)) {
                if process.status == nil {
                    connection.failCalls(with: TractorError(.channelClosed, "lost the connection to actor \(id): \(reason.message)"))
                }
            }
        }
        let cancelledByPeer = CancelledByPeer()
        events.actorMessage = { _, message in
            switch message {
            case .error(nil, let info): supervisor.jobFailed(RemoteActorError(info))
            // Unasked, it means a peer of the tree cancelled the actor: its exit is expected.
            case .cancelAck(nil): cancelledByPeer.mark()
            default: break
            }
        }
        do {
            try channel.send(.hello(Hello(actor: runtime.identity, cookie: cookie)))
            try channel.send(.spawnSpec(spec))
        } catch {
            channel.close()
            process.signal(SIGKILL)
            await process.waitUntilReaped()
            throw error
        }
        let connection = PeerConnection(
            channel: channel, local: runtime.identity, remote: hello.actor, initiator: false,
            server: runtime.jobTable, events: events
        )
        if runtime.holdsRegistry {
            // The child does not register itself with a registry in its parent's process (see `serveAsChild`): it
            // is registered here, before its spawn returns, and its entry leaves with this connection.
            runtime.registry.register(
                RegistryEntry(actor: hello.actor, address: runtime.listenerPath(ofActor: uid)),
                owner: connection
            )
        }
        let actor = ChildActor(
            id: id, process: process, connection: connection, policy: configuration.teardown, logger: logger,
            cancelledByPeer: cancelledByPeer
        )
        joined = true
        logger.debug(
            "actor \(id) connected back, \(ContinuousClock.now - started) after its start, and was sent its spawn spec"
        )
        do {
            try supervisor.add(actor)
        } catch {
            await actor.tearDown()
            throw error
        }
        process.onExit { status in
            // On the loop thread: read what the child said before it died, then act on its death.
            IOLoop.shared.execute {
                actor.connection.channel.drainOnLoop()
                supervisor.childExited(actor, status: status)
            }
        }
        return actor
    }

    /// A binding for a log line: `unbound`, or its CPUs (as ranges) and memory node.
    static func describe(_ binding: BindingSpec?) -> String {
        guard let binding, !binding.cpus.isEmpty || binding.memoryNode != nil else { return "unbound" }
        var ranges: [String] = []
        var index = 0
        let cpus = binding.cpus.sorted()
        while index < cpus.count {
            var end = index
            while end + 1 < cpus.count, cpus[end + 1] &- cpus[end] == 1 { end += 1 }
            ranges.append(end == index ? "\(cpus[index])" : "\(cpus[index])-\(cpus[end])")
            index = end + 1
        }
        let cpuText = cpus.isEmpty ? "any CPU" : "CPUs " + ranges.joined(separator: ",")
        return cpuText + (binding.memoryNode.map { ", memory on node \($0)" } ?? "")
    }
}
