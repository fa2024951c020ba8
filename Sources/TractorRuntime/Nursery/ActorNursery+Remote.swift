//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

extension ActorNursery {
    /// Starts a daemon actor on a host whose agent has joined this head
    /// (see ``Tractor/listenForAgents(on:secretFile:heartbeatInterval:hostSilenceLimit:)``).
    ///
    /// The agent starts the actor beneath itself, and the actor connects to this process directly; the portal is used
    /// exactly as a local actor's: calls, streams, contexts, errors and cancellation. The nursery supervises it as any
    /// of its actors: leaving the scope, ``Portal/cancelActor()`` or a sibling's failure stop it through its agent
    /// (the agent runs the cancellation ladder), and its unexpected end — its connection closing, or its host
    /// lost — is its failure, `.actorCrashed` with a message that names the host.
    ///
    /// ```swift
    /// try await Tractor.listenForAgents(on: "0.0.0.0:7000")
    /// _ = try await Tractor.waitForHosts(1)
    /// try await withActorNursery { nursery in
    ///     let far = try await nursery.startActor("far", on: "node-2", jobs: [question],
    ///                                            executable: .path("/opt/app/bin/worker"))
    ///     print(try await far.run(question))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: The actor's name.
    ///   - host: The name the host's agent joined under (`--name`).
    ///   - jobs: The jobs to enable; empty enables every job its program serves.
    ///   - executable: The program on that host; `nil` uses the nursery's, at the same path.
    /// - Returns: A portal to the actor.
    /// - Throws: ``TractorError`` `.invalidArgument` when this process does not listen for agents or no host of that
    ///   name is connected; `.scopeClosed` if the nursery is closing; `.cancelled` if it was cancelled meanwhile;
    ///   ``RemoteActorError`` when the agent could not start the actor; `.timedOut` when it did not join in time.
    public func startActor(
        _ name: String,
        on host: String,
        jobs: [any JobDefinition] = [],
        executable: ActorExecutable? = nil
    ) async throws -> Portal {
        let child = try await start(name) {
            try await spawnRemote(name: name, host: host, jobs: jobs.map(\.name), executable: executable)
        }
        return Portal(connection: child.connection, child: child)
    }

    /// Starts an actor on a joined host that runs one job and ends when the job returns, as
    /// ``runInActor(_:_:name:executable:)`` does locally.
    ///
    /// ```swift
    /// let one = try await nursery.runInActor(cellarDoor, (), name: "linguist", on: "node-2")
    /// print(try await one.result())
    /// ```
    ///
    /// - Throws: As ``startActor(_:on:jobs:executable:)``.
    public func runInActor<Input, Output>(
        _ job: Job<Input, Output>,
        _ input: Input,
        name: String,
        on host: String,
        executable: ActorExecutable? = nil
    ) async throws -> ResultPortal<Output> where Input: Codable, Output: Codable {
        let child = try await start(name) {
            try await spawnRemote(name: name, host: host, jobs: [job.name], executable: executable)
        }
        return run(job, input, in: child)
    }

    /// Starts a daemon actor on a joined host, bound as `binding` says within that host's CPUs. Not API.
    package func startActor(
        _ name: String,
        on host: String,
        jobs: [any JobDefinition],
        executable: ActorExecutable?,
        binding: BindingSpec?
    ) async throws -> Portal {
        let child = try await start(name) {
            try await spawnRemote(
                name: name, host: host, jobs: jobs.map(\.name), executable: executable, binding: binding
            )
        }
        return Portal(connection: child.connection, child: child)
    }

    /// Starts a daemon actor on `host`, a host of a listener of this process's own
    /// (``ActorRuntime/listenForAgents(on:configuration:secret:)``), as ``startActor(_:on:jobs:executable:)`` does on
    /// a host of the runtime's listener.
    ///
    /// ```swift
    /// let node = try await agents.waitForHost(named: "node-2")
    /// let far = try await nursery.startActor("far", on: node, jobs: [question])
    /// ```
    ///
    /// - Throws: As ``startActor(_:on:jobs:executable:)``; `.invalidArgument` when the host was lost.
    package func startActor(
        _ name: String,
        on host: RemoteHost,
        jobs: [any JobDefinition] = [],
        executable: ActorExecutable? = nil,
        binding: BindingSpec? = nil
    ) async throws -> Portal {
        let child = try await start(name) {
            try supervisor.checkOpen()
            return try await spawnRemote(
                name: name, on: host, jobs: jobs.map(\.name), executable: executable, binding: binding
            )
        }
        return Portal(connection: child.connection, child: child)
    }

    private func spawnRemote(
        name: String, host hostName: String, jobs: [String], executable: ActorExecutable?, binding: BindingSpec? = nil
    ) async throws -> ChildActor {
        try supervisor.checkOpen()
        guard let agents = ActorRuntime.agentListener else {
            throw TractorError(
                .invalidArgument,
                "cannot start actor '\(name)' on host '\(hostName)': this process does not listen for host agents; "
                    + "call Tractor.listenForAgents(on:) first"
            )
        }
        guard let host = agents.hosts[hostName], host.isConnected else {
            let joined = agents.hosts.keys.sorted().joined(separator: ", ")
            throw TractorError(
                .invalidArgument,
                "cannot start actor '\(name)': no host '\(hostName)' has joined "
                    + "(joined: \(joined.isEmpty ? "none" : joined))"
            )
        }
        return try await spawnRemote(name: name, on: host, jobs: jobs, executable: executable, binding: binding)
    }

    private func spawnRemote(
        name: String, on host: RemoteHost, jobs: [String], executable: ActorExecutable?, binding: BindingSpec?
    ) async throws -> ChildActor {
        let hostName = host.name
        if let lost = host.lost {
            throw TractorError(.invalidArgument, "cannot start actor '\(name)': \(lost.message)")
        }
        let program = executable ?? configuration.executable
        let connection = try await host.startActorConnection(
            RemoteSpawnRequest(
                name: name, jobs: jobs, executable: program.path, arguments: program.arguments,
                cpus: binding?.cpus ?? [], memoryNode: binding?.memoryNode
            )
        )
        let id = connection.remote
        let process = RemoteActorProcess(host: host, actor: id)
        let logger = configuration.logger ?? runtime.logger
        let cancelledByPeer = CancelledByPeer()
        let child = ChildActor(
            id: id, process: process, connection: connection, policy: configuration.teardown, logger: logger,
            cancelledByPeer: cancelledByPeer
        )
        // What it says about itself is heard as a local child's: an error fails the nursery (naming the host), an
        // unasked acknowledgement says a peer of the tree cancelled it, so that its exit is expected.
        let supervisor = self.supervisor
        host.closedHandlers.setActorMessageHandler(id.uid) { message in
            switch message {
            case .error(nil, let info): supervisor.jobFailed(RemoteActorError(connection.received(info)))
            case .cancelAck(nil): cancelledByPeer.mark()
            default: break
            }
        }
        // Its calls fail with its end, which names the host, not with the closed channel.
        host.closedHandlers.set(id.uid) { _, reason in
            process.end("its connection to the head closed (\(reason.message))")
        }
        connection.channel.attachCloseObserver { process.end("its connection to the head closed") }
        let lostHandler = host.onLost { verdict in process.end(verdict.message) }
        process.onEnd { _ in host.removeLostHandler(lostHandler) }
        logger.debug("actor \(id) started on host '\(hostName)' (\(program.path))")
        do {
            try supervisor.add(child)
        } catch {
            await child.tearDown()
            throw error
        }
        process.onEnd { reason in
            // The head learns no exit status across hosts: an actor that ended unasked counts as killed (as it is
            // when its agent dies: PR_SET_PDEATHSIG), for an owner that tells crashes by status, such as a pool.
            supervisor.childEnded(child, status: TerminationStatus(.signaled(SIGKILL))) { running in
                "actor \(id) on host '\(hostName)' ended \(running): \(reason)"
            }
        }
        return child
    }
}
