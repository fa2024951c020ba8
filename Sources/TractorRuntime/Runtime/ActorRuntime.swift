//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging
import Synchronization

/// The runtime of this process: its identity, its listener, the jobs it serves and the connections it holds.
///
/// There is one per process, made on first use. A process started by a parent (the `TRACTOR_SPAWN` marker is set)
/// takes the identity its parent gave it; any other process is a root.
package final class ActorRuntime: Sendable {
    /// This process's runtime.
    package static let shared = ActorRuntime()

    package let identity: ActorID
    package let marker: SpawnMarker?
    package let socketDirectory: String
    package let treeSecret: [UInt8]
    package let listenerPath: String
    package let registry: RegistryStore
    /// Bounds how many children this process starts at once (``TractorConfiguration/maximumConcurrentSpawns``).
    package let spawnLimiter: SpawnLimiter
    /// Why this runtime cannot work (the root could not make its socket directory), or `nil`; see
    /// ``requireRunning()``.
    private let startupError: TractorError?
    private let state: Mutex<State>
    /// Held while the listener starts: two tasks starting the first nursery and the first pool at once would both
    /// bind the listener's path otherwise, and the second fail.
    private let listenerStart = Mutex(())

    private struct State: ~Copyable {
        var configuration = TractorConfiguration()
        var jobs: [String: ErasedJob] = [:]
        var listener: Listener?
        /// Runs the handshakes of the connections the listener accepts; made with it.
        var handshakes: HandshakeGroup?
        var pendingSpawns: [[UInt8]: SpawnSlot] = [:]
        /// Cookies of children given up on (timed out, exited, cancelled), newest last, so that one connecting late is
        /// recognised as such rather than taken for an intruder. Bounded by `abandonedCookieLimit`.
        var abandonedCookies: [[UInt8]] = []
        var bootstrapped = false
        /// By the connection's address: keyed by `UInt64` as a connection's calls are, because the first dictionary of
        /// each key type costs the Swift runtime a scan of every conformance record of the program, and a worker makes
        /// this one while it starts.
        var connections: [UInt64: PeerConnection] = [:]
        var registryAddress: String?
        var registryConnection: PeerConnection?
        /// Made at its first use (see ``ActorRuntime/logger``).
        var logger: Logger?
        /// The level the configuration set, given to the logger when it is made; `nil` until the first one.
        var logLevel: Logger.Level?
    }

    /// Whether this process is the root of its tree.
    package var isRoot: Bool { marker == nil }

    private init() {
        let pid = getpid()
        let marker = getenv(SpawnMarker.variable).flatMap { SpawnMarker(encoded: String(cString: $0)) }
        self.marker = marker
        if let marker {
            identity = ActorID(name: marker.name, uid: marker.uid, pid: pid)
            socketDirectory = marker.socketDirectory
            startupError = nil
            treeSecret = marker.treeSecret
            unsetenv(SpawnMarker.variable)
            // Bind before anything else runs, so that every thread the runtime starts inherits the memory policy.
            ProcessBinder.applyFromEnvironment()
        } else {
            identity = ActorID(name: "root", uid: Hex.encode(sys_random_bytes(8)), pid: pid)
            let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
            let template = (base.count < 40 ? base : "/tmp") + "/tractor-XXXXXX"
            do {
                socketDirectory = try sys_mkdtemp(template)
                startupError = nil
            } catch {
                // Reported by the first call that needs the runtime (see `requireRunning()`), never a trap.
                socketDirectory = ""
                startupError = TractorError(
                    .runtimeUnavailable,
                    "Tractor cannot create its private socket directory \(template): \(error.message); "
                        + "point TMPDIR at a writable directory (or unset it for /tmp) and start the program again",
                    cause: error
                )
            }
            treeSecret = sys_random_bytes(32)
        }
        listenerPath = ActorRuntime.listenerPath(in: socketDirectory, ofActor: identity.uid)
        registry = RegistryStore()
        spawnLimiter = SpawnLimiter(logger: { ActorRuntime.shared.logger })
        let registryAddress = marker.map { $0.registryAddress.isEmpty ? nil : $0.registryAddress } ?? listenerPath
        state = Mutex(State(registryAddress: registryAddress))
        if startupError == nil { registerExitCleanup() }
        if marker == nil {
            try? configure(TractorConfiguration(), jobs: [])
            registry.register(RegistryEntry(actor: identity, address: listenerPath), owner: nil)
        }
    }

    // MARK: Configuration and jobs

    package var configuration: TractorConfiguration { state.withLock { $0.configuration } }

    /// The runtime's logger, labelled `tractor`, its metadata naming this actor (`actor: name[pid]`).
    ///
    /// Made at its first use rather than at start: setting the metadata of the default handler makes a dictionary keyed
    /// by `String` and prettifies it, and each costs the Swift runtime a scan of every conformance record of the
    /// program the first time a process does it. A worker that logs nothing at its level (see ``logs(at:)``) never
    /// makes it. The log handler's factory runs outside the runtime's lock.
    package var logger: Logger {
        if let logger = state.withLock({ $0.logger }) { return logger }
        var made = Logger(label: "tractor")
        made[metadataKey: "actor"] = "\(identity.name)[\(identity.pid)]"
        return state.withLock { state in
            if let logger = state.logger { return logger }
            if let level = state.logLevel { made.logLevel = level }
            state.logger = made
            return made
        }
    }

    /// Whether ``logger`` would write a line at `level`, without making the logger once the configuration has set
    /// the level.
    package func logs(at level: Logger.Level) -> Bool {
        if let set = state.withLock({ $0.logLevel }) { return set <= level }
        return logger.logLevel <= level
    }

    package var registryAddress: String? { state.withLock { $0.registryAddress } }

    /// Whether the tree's registry is in this process (the root's, or a host agent's), listening where this process
    /// does: its children are registered by it rather than registering themselves.
    package var holdsRegistry: Bool { registryAddress == listenerPath }

    /// Where the listener of the actor with unique id `uid` is, in the socket directory of a tree.
    static func listenerPath(in socketDirectory: String, ofActor uid: String) -> String {
        socketDirectory + "/" + uid + ".sock"
    }

    /// Where the listener of this process's child with unique id `uid` is: the children share its socket directory.
    package func listenerPath(ofActor uid: String) -> String {
        ActorRuntime.listenerPath(in: socketDirectory, ofActor: uid)
    }

    /// Records that `Tractor.bootstrap` has run in this process.
    package func markBootstrapped() {
        state.withLock { $0.bootstrapped = true }
    }

    /// Throws why the runtime of this process cannot work, if it cannot: its socket directory could not be made, or
    /// its I/O thread could not start. Every entry point calls it (through ``requireBootstrap()`` or directly), so
    /// that such a failure reaches the caller as an error, never as a trap.
    ///
    /// - Throws: ``TractorError`` `.runtimeUnavailable`, saying what failed and what to do.
    package func requireRunning() throws(TractorError) {
        if let error = startupError ?? IOLoop.shared.startupError { throw error }
    }

    /// Throws unless this process may act as a parent: a root always may; a process started as an actor only once
    /// `Tractor.bootstrap` has run (otherwise it is a program re-executed for an actor that runs its `main` again
    /// and would spawn copies of itself without end).
    ///
    /// - Throws: ``TractorError`` `.runtimeUnavailable` (see ``requireRunning()``), `.notBootstrapped`.
    package func requireBootstrap() throws(TractorError) {
        try requireRunning()
        guard let marker, !state.withLock({ $0.bootstrapped }) else { return }
        throw TractorError(
            .notBootstrapped,
            "this process was started as actor '\(marker.name)' but has not called Tractor.bootstrap(jobs:); "
                + "call `try await Tractor.bootstrap(jobs: [...])` as the first statement of main, before any "
                + "nursery or pool, so that a process started as an actor serves its parent instead of running main"
        )
    }

    package func configure(_ configuration: TractorConfiguration, jobs: [any JobDefinition]) throws(TractorError) {
        var table: [String: ErasedJob] = [:]
        for job in jobs {
            guard table[job.name] == nil else {
                throw TractorError(.invalidArgument, "two jobs are named '\(job.name)'; job names must be unique")
            }
            table[job.name] = try job.erased()
        }
        if isRoot {
            for job in RegistryStore.jobs(for: self) {
                table[job.name] = try job.erased()
            }
        }
        // Every actor reports its binding.
        table[BindingReadback.job.name] = BindingReadback.job._erased
        // Every actor may be asked by its parent (a host agent) to join the head over TCP.
        table[HostAgentJobs.join.name] = HostAgentJobs.join._erased
        state.withLock { state in
            state.configuration = configuration
            state.jobs = table
            state.logLevel = configuration.logLevel
            state.logger?.logLevel = configuration.logLevel
        }
    }

    /// Keeps only the jobs named in `names` (all of them when `names` is empty), plus the runtime's own.
    package func restrictJobs(to names: [String]) {
        guard !names.isEmpty else { return }
        let allowed = Set(names)
        state.withLock { state in
            state.jobs = state.jobs.filter { allowed.contains($0.key) || $0.key.hasPrefix("tractor.") }
        }
    }

    package func setConfiguration(_ configuration: TractorConfiguration) {
        state.withLock { state in
            state.configuration = configuration
            state.logLevel = configuration.logLevel
            state.logger?.logLevel = configuration.logLevel
        }
    }

    /// The connection to the registry (children only; the root holds the registry itself).
    package var registryConnection: PeerConnection? { state.withLock { $0.registryConnection } }

    package func setRegistryConnection(_ connection: PeerConnection) {
        state.withLock { $0.registryConnection = connection }
    }

    package func setRegistryAddress(_ address: String?) {
        state.withLock { $0.registryAddress = address }
    }

    package var jobTable: JobTable {
        JobTable(actor: identity, jobs: state.withLock { $0.jobs })
    }

    // MARK: Listening

    /// Starts the listener if it is not running yet.
    ///
    /// - Throws: ``TractorError`` `.notBootstrapped` in a process started as an actor that has not called
    ///   `Tractor.bootstrap` (see ``requireBootstrap()``); `.systemCallFailed` if the socket cannot be made.
    package func startListening() throws(TractorError) {
        try requireBootstrap()
        guard state.withLock({ $0.listener == nil }) else { return }
        try listenerStart.withLock { _ throws(TractorError) in try startListener() }
    }

    /// Starts the listener, unless another task has started it meanwhile; with ``listenerStart`` held.
    private func startListener() throws(TractorError) {
        guard state.withLock({ $0.listener == nil }) else { return }
        // A parent holds a socket and a pidfd for each child: 1,024 descriptors (a common soft limit) would stop a
        // pool near 500 workers. The children inherit the raised limit.
        sys_raise_open_file_limit()
        let handshakes = HandshakeGroup { [self] channel in await handshake(accepted: channel) }
        let listener: Listener
        do {
            listener = try Listener(
                path: listenerPath,
                maximumFrameSize: configuration.maximumFrameSize,
                onRefusal: { [self] error in failPendingSpawns(error) }
            ) { channel in
                handshakes.accept(channel)
            }
        } catch {
            handshakes.close()
            throw error
        }
        let duplicate = state.withLock { state -> Bool in
            if state.listener != nil { return true }
            state.listener = listener
            state.handshakes = handshakes
            return false
        }
        if duplicate {
            listener.close()
            handshakes.close()
            return
        }
        // A nursery's body goes on where its answers are read (`withActorNursery`): the standby thread that watches
        // the connections while it does starts now, off the first answer's path.
        IOLoop.shared.prepareToServe()
    }

    /// Runs the accepting side of a handshake: a child connecting back, or a peer of the tree.
    private func handshake(accepted channel: Channel) async {
        let hello: Hello
        do {
            hello = try await withExpiry(.seconds(10)) {
                guard case .hello(let hello) = try await channel.receive() else {
                    throw TractorError(.handshakeFailed, "the first message was not hello")
                }
                return hello
            } expire: {
                channel.close()
            }
        } catch let error as TractorError where error.code == .channelClosed {
            // Closed before saying anything: a child killed while it started (its spawn fails with its own error),
            // or a probe of the socket. Nothing was refused, and there is no one to answer.
            logger.debug("a connection closed before its handshake: \(error.message)")
            channel.close()
            return
        } catch {
            reject(channel, TractorError(.handshakeFailed, "handshake failed: \(error)"))
            return
        }
        guard hello.version == tractorWireVersion else {
            reject(channel, TractorError(
                .handshakeFailed,
                "wire version \(hello.version) is not supported; this actor speaks version \(tractorWireVersion)"
            ))
            return
        }
        let expected = state.withLock { state -> ExpectedChild in
            switch state.pendingSpawns[hello.cookie] {
            case .waiting(let continuation):
                state.pendingSpawns.removeValue(forKey: hello.cookie)
                return .awaited(continuation)
            case .expected:
                state.pendingSpawns[hello.cookie] = .arrived(channel, hello)
                return .early
            case .arrived, .failed:
                return .abandoned
            case nil:
                return state.abandonedCookies.contains(hello.cookie) ? .abandoned : .unknown
            }
        }
        switch expected {
        case .awaited(let continuation):
            continuation.resume(returning: (channel, hello))
            return
        case .early:
            return
        case .abandoned:
            // Not an attack: a child whose spawn was given up on (it timed out, or its nursery was cancelled) got
            // here after all. Its parent has killed it or is killing it.
            logger.debug("closed a late connection from \(hello.actor): its spawn had already been given up")
            channel.close()
            return
        case .unknown:
            break
        }
        guard constantTimeEquals(hello.cookie, treeSecret) else {
            reject(channel, TractorError(
                .handshakeFailed,
                "\(hello.actor) presented a cookie that is neither a child's being spawned here nor this tree's; "
                    + "connection refused"
            ))
            return
        }
        do {
            try channel.send(.hello(Hello(actor: identity, cookie: hello.cookie)))
        } catch {
            channel.close()
            return
        }
        adopt(PeerConnection(
            channel: channel, local: identity, remote: hello.actor, initiator: false, server: jobTable,
            events: treeConnectionEvents()
        ))
    }

    private func reject(_ channel: Channel, _ error: TractorError) {
        logger.warning("refused a connection: \(error.message)")
        try? channel.send(.error(cid: nil, .describing(error, in: identity, job: nil)))
        channel.close()
    }

    /// Keeps a connection until it closes, so that actor-wide cancellation reaches the jobs it serves.
    package func adopt(_ connection: PeerConnection) {
        let key = UInt64(UInt(bitPattern: ObjectIdentifier(connection)))
        state.withLock { $0.connections[key] = connection }
        connection.channel.attachCloseObserver { [self] in
            _ = state.withLock { $0.connections.removeValue(forKey: key) }
        }
    }

    /// Every connection this process holds.
    package var connections: [PeerConnection] { state.withLock { Array($0.connections.values) } }

    /// Expects the child holding `cookie` to connect back. Call before starting the child.
    package func expectChild(cookie: [UInt8]) -> PendingSpawn {
        state.withLock { $0.pendingSpawns[cookie] = .expected }
        return PendingSpawn(runtime: self, cookie: cookie)
    }

    func waitForPendingSpawn(
        cookie: [UInt8],
        _ continuation: CheckedContinuation<(Channel, Hello), any Error>
    ) {
        let arrived = state.withLock { state -> Result<(Channel, Hello), TractorError>? in
            switch state.pendingSpawns[cookie] {
            case .expected:
                state.pendingSpawns[cookie] = .waiting(continuation)
                return nil
            case .arrived(let channel, let hello):
                state.pendingSpawns.removeValue(forKey: cookie)
                return .success((channel, hello))
            case .failed(let error):
                state.pendingSpawns.removeValue(forKey: cookie)
                return .failure(error)
            case .waiting, nil:
                return .failure(TractorError(.spawnFailed, "the child is no longer expected"))
            }
        }
        if let arrived { continuation.resume(with: arrived) }
    }

    /// The listener could not accept a connection (the process is out of descriptors): every child expected to
    /// connect back fails to start with that error now, rather than when its spawn times out.
    private func failPendingSpawns(_ cause: TractorError) {
        let cookies = state.withLock { state in
            state.pendingSpawns.compactMap { cookie, slot -> [UInt8]? in
                switch slot {
                case .expected, .waiting: cookie
                case .arrived, .failed: nil
                }
            }
        }
        let error = TractorError(
            .spawnFailed, "the child's connection could not be accepted: \(cause.message)", cause: cause.cause ?? cause
        )
        for cookie in cookies { cancelPendingSpawn(cookie: cookie, with: error) }
        logger.warning("refused connections from starting children: \(cause.message)")
    }

    /// Ends the wait for the child holding `cookie` with `error`. A spawn not waiting yet finds the error when it
    /// starts to wait; with `forget`, nothing is kept for it (the spawn will not wait).
    func cancelPendingSpawn(cookie: [UInt8], with error: TractorError, forget: Bool = false) {
        let slot = state.withLock { state -> SpawnSlot? in
            let slot = state.pendingSpawns.removeValue(forKey: cookie)
            if case .expected? = slot, !forget { state.pendingSpawns[cookie] = .failed(error) }
            if slot != nil && !state.abandonedCookies.contains(cookie) {
                state.abandonedCookies.append(cookie)
                if state.abandonedCookies.count > abandonedCookieLimit { state.abandonedCookies.removeFirst() }
            }
            return slot
        }
        switch slot {
        case .waiting(let continuation): continuation.resume(throwing: error)
        case .arrived(let channel, _): channel.close()
        case .expected, .failed, nil: break
        }
    }

    // MARK: Outgoing connections

    /// Connects to another actor of the tree at `address`, waiting at most `handshakeTimeout` for its hello.
    package func connect(to address: String, handshakeTimeout: Duration = .seconds(10)) async throws -> PeerConnection {
        try requireRunning()
        let channel = try Channel.connect(to: address, maximumFrameSize: configuration.maximumFrameSize)
        do {
            try channel.send(.hello(Hello(actor: identity, cookie: treeSecret)))
            let reply = try await withExpiry(handshakeTimeout) { try await channel.receive() } expire: {
                channel.close()
            }
            switch reply {
            case .hello(let hello) where constantTimeEquals(hello.cookie, treeSecret):
                let connection = PeerConnection(
                    channel: channel, local: identity, remote: hello.actor, initiator: true, server: jobTable,
                    events: treeConnectionEvents()
                )
                adopt(connection)
                return connection
            case .error(_, let info):
                throw RemoteActorError(info)
            default:
                throw TractorError(.handshakeFailed, "the actor at \(address) answered the handshake with \(reply.kindName)")
            }
        } catch {
            channel.close()
            throw error
        }
    }

}

/// Where a child expected to connect back stands.
private enum SpawnSlot {
    case expected
    case waiting(CheckedContinuation<(Channel, Hello), any Error>)
    case arrived(Channel, Hello)
    /// Given up on before its spawn began to wait (the child exited at once, say): the wait fails with this.
    case failed(TractorError)
}

/// What an accepted connection's cookie says about it.
private enum ExpectedChild {
    /// A child whose spawn is waiting for it.
    case awaited(CheckedContinuation<(Channel, Hello), any Error>)
    /// A child whose spawn will wait for it soon.
    case early
    /// A child whose spawn has been given up on.
    case abandoned
    /// Not a child of this process.
    case unknown
}

/// How many cookies of abandoned spawns an actor remembers.
private let abandonedCookieLimit = 4096
