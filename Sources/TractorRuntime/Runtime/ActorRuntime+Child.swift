//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc
import Logging
import Synchronization

/// Why a child stops serving.
private enum ShutdownReason: Sendable, Equatable {
    /// The parent sent `cancel(nil)`: cancel everything, acknowledge, exit.
    case cancelled
    /// SIGTERM arrived: cancel everything and exit. Nothing is acknowledged to the parent, which did not ask (or, when
    /// its ladder sent it, is waiting for the exit anyway): an unasked acknowledgement would tell it a peer cancelled
    /// this actor.
    case terminated
    /// The parent's channel closed: cancel everything and exit; there is no one to acknowledge to.
    case parentGone
    /// A peer of the tree sent `cancel(nil)`: cancel everything, naming it as the canceller, acknowledge to it and
    /// to the parent, exit.
    case cancelledByPeer(ActorID)
}

/// The one shutdown request of a child process (the first reason wins), and the peers that asked it to cancel, to
/// acknowledge to.
private struct ShutdownRequest: ~Copyable {
    var servingAsChild = false
    var reason: ShutdownReason?
    var waiter: CheckedContinuation<ShutdownReason, Never>?
    var cancellingPeers: [PeerConnection] = []
    /// The heads this actor joined at its agent's request: each supervises it as its parent does.
    var heads: [PeerConnection] = []
}

/// Tells the head on `connection`, which this actor joined at its agent's request, of its cancellation as its parent
/// is told: its nursery then counts the exit as a cancellation, not a crash.
func acknowledgeCancellation(toHead connection: PeerConnection) {
    shutdownRequest.withLock { $0.heads.append(connection) }
}

private let shutdownRequest = Mutex(ShutdownRequest())

private func requestShutdown(_ reason: ShutdownReason) {
    let waiter = shutdownRequest.withLock { request -> CheckedContinuation<ShutdownReason, Never>? in
        guard request.reason == nil else { return nil }
        request.reason = reason
        let waiter = request.waiter
        request.waiter = nil
        return waiter
    }
    waiter?.resume(returning: reason)
}

/// From here on, this process is a child: a peer's cancel is its to obey (see ``peerAskedToCancel(over:)``), even
/// before it waits for a reason to shut down.
private func beginServingAsChild() {
    shutdownRequest.withLock { $0.servingAsChild = true }
}

private func waitForShutdown() async -> ShutdownReason {
    await withCheckedContinuation { continuation in
        let reason = shutdownRequest.withLock { request -> ShutdownReason? in
            if let reason = request.reason { return reason }
            request.waiter = continuation
            return nil
        }
        if let reason { continuation.resume(returning: reason) }
    }
}

/// A peer of the tree asked this actor to cancel over `connection`. A child cancels (or, already stopping, adds the
/// peer to those it acknowledges to); the root of a tree is not a peer's to cancel, and says so.
func peerAskedToCancel(over connection: PeerConnection) {
    let accepted = shutdownRequest.withLock { request -> Bool in
        guard request.servingAsChild else { return false }
        request.cancellingPeers.append(connection)
        return true
    }
    if accepted {
        requestShutdown(.cancelledByPeer(connection.remote))
    } else {
        let refusal = TractorError(
            .invalidArgument,
            "actor \(connection.local) is the root of its tree: only its own program ends it, not a peer's cancel"
        )
        try? connection.sendActorMessage(.error(cid: nil, .describing(refusal, in: connection.local, job: nil)))
    }
}

/// The descriptor the SIGTERM handler writes to; the I/O loop reads it and requests a shutdown.
nonisolated(unsafe) private var terminationSignalFD: CInt = -1

/// Watches the SIGTERM descriptor on the loop thread.
private final class TerminationSignalHandler: IOHandler {
    let fd: CInt
    init(fd: CInt) { self.fd = fd }

    func handleEvents(_ events: UInt32) {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { read(fd, $0.baseAddress, 8) }
        requestShutdown(.terminated)
    }
}

extension ActorRuntime {
    /// Serves as a spawned child until told to stop, then exits the process. Never returns.
    func serveAsChild(_ marker: SpawnMarker) async -> Never {
        // Die with the parent, whatever kills it; then close the race where it died before the line above.
        _ = ctractor_set_parent_death_signal(SIGKILL)
        if getppid() != marker.parentPID { exit(70) }
        installTerminationHandler()
        // Before it can be found: a peer may ask it to cancel as soon as it has registered.
        beginServingAsChild()

        let parent: PeerConnection
        // A parent that holds the tree's registry (the root, or a host agent) registers its child itself when the
        // child's hello arrives, over the connection it then keeps with the child, and serves the child's lookups on
        // that connection too: a worker's start then costs one connection and one exchange instead of two each.
        let registeredByParent = registryAddress == marker.parentSocket
        do {
            try startListening()
            // Register first: once the parent sees the handshake complete, the tree can find this actor.
            if !registeredByParent { await register() }
            parent = try await connectToParent(marker)
        } catch {
            logger.error("could not join the actor tree: \(error)")
            exit(71)
        }
        // Before the first call from the parent can run: a job may look its peers up at once.
        if registeredByParent { setRegistryConnection(parent) }
        adopt(parent)
        parent.startReceiving()

        let reason = await waitForShutdown()
        if logs(at: .debug) {
            switch reason {
            case .cancelled: logger.debug("shutting down: cancelled by the parent")
            case .terminated: logger.debug("shutting down: SIGTERM")
            case .parentGone: logger.debug("shutting down: the parent has gone")
            case .cancelledByPeer(let peer): logger.debug("shutting down: cancelled by \(peer)")
            }
        }
        var canceller: ActorID?
        if case .cancelledByPeer(let peer) = reason { canceller = peer }
        let heads = shutdownRequest.withLock { $0.heads }
        if reason == .parentGone {
            // The heads this actor joined learn of its end as of its host's loss, their connection closing: not as
            // this actor cancelling their calls, which is what answering them now would say.
            for head in heads { head.channel.close() }
        }
        // Every connection jobs are served over: those open, and the parent's and the heads' even once closed (a
        // closed connection leaves the runtime's list, and its jobs still run until they are cancelled).
        let open = connections
        let served = open + ([parent] + heads).filter { connection in !open.contains { $0 === connection } }
        for connection in served { connection.cancelServed(by: canceller) }
        switch reason {
        case .cancelled, .terminated, .cancelledByPeer:
            // Wait for every job to finish cancelling; a job that ignores cancellation keeps us here until the parent's
            // SIGKILL, which is the ladder working as declared.
            for connection in served { await connection.waitForServed() }
            // The parent hears of a peer's cancel as of its own: an exit it need not count as a failure.
            let peers = shutdownRequest.withLock { $0.cancellingPeers }
            let acknowledged = (reason == .terminated ? [] : [parent] + heads) + peers
            for connection in acknowledged { try? connection.sendActorMessage(.cancelAck(cid: nil)) }
            for connection in acknowledged { try? await connection.channel.waitUntilFlushed() }
        case .parentGone:
            let grace = configuration.teardown.cancelGrace
            _ = try? await withTimeout(grace) {
                for connection in served { await connection.waitForServed() }
            }
        }
        exit(0)
    }

    private func connectToParent(_ marker: SpawnMarker) async throws -> PeerConnection {
        let channel = try Channel.connect(to: marker.parentSocket, maximumFrameSize: configuration.maximumFrameSize)
        try channel.send(.hello(Hello(actor: identity, cookie: marker.cookie)))
        // While the parent answers: the thread that watches the loop while a job runs, which the first job needs.
        IOLoop.shared.prepareToServe()
        let (hello, spec) = try await withExpiry(configuration.spawnTimeout) {
            guard case .hello(let hello) = try await channel.receive() else {
                throw TractorError(.handshakeFailed, "the parent did not answer with hello")
            }
            guard constantTimeEquals(hello.cookie, marker.cookie) else {
                throw TractorError(.handshakeFailed, "the parent answered with another cookie")
            }
            guard case .spawnSpec(let spec) = try await channel.receive() else {
                throw TractorError(.handshakeFailed, "the parent did not send a spawn spec")
            }
            return (hello, spec)
        } expire: {
            channel.close()
        }
        try apply(spec)
        if logs(at: .debug) {
            let served = spec.jobs.isEmpty ? "every job" : spec.jobs.joined(separator: ", ")
            logger.debug("joined parent \(hello.actor): serving \(served)")
        }
        var events = PeerConnection.Events()
        events.actorMessage = { _, message in
            if case .cancel(nil) = message { requestShutdown(.cancelled) }
        }
        events.closed = { connection, reason in
            connection.failCalls(with: reason)
            requestShutdown(.parentGone)
        }
        return PeerConnection(
            channel: channel,
            local: identity,
            remote: hello.actor,
            initiator: true,
            server: jobTable,
            events: events,
            receiving: false
        )
    }

    /// Registers with the tree's registry before serving, so that a job may look its peers up at once.
    private func register() async {
        guard let address = registryAddress else { return }
        do {
            // The registry answers at once when the parent starts its children a few at a time (SpawnLimiter).
            let registry = try await connect(to: address)
            setRegistryConnection(registry)
            _ = try await registry.call(
                job: "tractor.registry.register",
                payload: try MessagePackEncoder().encode(RegistryEntry(actor: identity, address: listenerPath))
            )
        } catch {
            logger.warning("could not register with the registry at \(address): \(error)")
        }
    }

    private func apply(_ spec: SpawnSpec) throws {
        restrictJobs(to: spec.jobs)
        setRegistryAddress(spec.registryAddress)
        var configuration = self.configuration
        configuration.teardown = TeardownPolicy(wire: spec.teardown)
        if let level = Logger.Level(rawValue: spec.logLevel) { configuration.logLevel = level }
        setConfiguration(configuration)
        if let binding = spec.binding {
            // Before the first job runs: every thread's CPU mask, and the memory policy of this thread and the threads
            // it creates from here on.
            try ProcessBinder.apply(binding)
            if logs(at: .debug) { logger.debug("bound to \(ActorNursery.describe(binding))") }
        }
    }

    private func installTerminationHandler() {
        guard let fd = try? sys_eventfd() else { return }
        terminationSignalFD = fd
        let handler = TerminationSignalHandler(fd: fd)
        IOLoop.shared.execute {
            try? IOLoop.shared.register(fd, events: EPOLLIN.rawValue, handler: handler)
        }
        _ = ctractor_install_signal_handler(SIGTERM) { _ in
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { write(terminationSignalFD, $0.baseAddress, 8) }
        }
    }
}
