//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The life of a service that holds a scope open for the others (``PoolService``, ``NurseryService``), without I/O:
/// not started, opening its scope, serving its handle, ended; the tasks that wait for the handle; and the two moments
/// of graceful shutdown, when it first reaches a user of the handle or the service (it *began*) and when it reaches
/// the service itself (its *turn*, once the services listed after it have stopped).
///
/// ```text
///          start()             opened(handle)              ended(error)
///   idle ──────────▶ opening ──────────────▶ serving ──────────────────▶ ended
///                       └──────────────────────────── ended(error) ─────────▲
/// ```
///
/// `Handle` is the scope's handle (``ProcessPool``, ``ActorNursery``; anything in the tests).
struct ServiceScopeStateMachine<Handle: Sendable>: Sendable {
    enum Phase: Sendable {
        case idle
        case opening
        case serving(Handle)
        /// The service's `run()` has returned: with no error, or the error it threw.
        case ended((any Error)?)
    }

    /// What the service is, for its errors: "pool service".
    let name: String
    private(set) var phase = Phase.idle
    var waiters = WaiterList<Result<Handle, any Error>>()
    /// Whether graceful shutdown has reached a task using the handle or the service itself.
    private(set) var shutdownBegan = false
    /// Whether graceful shutdown has reached the service itself: the services using the handle have stopped.
    private(set) var shutdownTurn = false
    var shutdownWaiters = WaiterList<Void>()
    var turnWaiters = WaiterList<Void>()

    init(name: String) {
        self.name = name
    }

    /// `run()` begins; `false` when the service has run already (it runs once).
    mutating func start() -> Bool {
        guard case .idle = phase else { return false }
        phase = .opening
        return true
    }

    /// The scope is open: returns the waiters, to resume with its handle.
    mutating func opened(_ handle: Handle) -> [CheckedContinuation<Result<Handle, any Error>, Never>] {
        guard case .opening = phase else { return [] }
        phase = .serving(handle)
        return waiters.removeAll()
    }

    /// `run()` has ended (its scope closed): returns the waiters, to resume with `error` (or ``stopped``).
    mutating func ended(_ error: (any Error)?) -> [CheckedContinuation<Result<Handle, any Error>, Never>] {
        if case .ended = phase { return [] }
        phase = .ended(error)
        return waiters.removeAll()
    }

    /// Graceful shutdown has reached a task using the handle, or (`service`) the service itself: returns the waiters
    /// to resume.
    mutating func gracefulShutdownReached(service: Bool) -> [CheckedContinuation<Void, Never>] {
        var resumed: [CheckedContinuation<Void, Never>] = []
        if !shutdownBegan {
            shutdownBegan = true
            resumed += shutdownWaiters.removeAll()
        }
        if service, !shutdownTurn {
            shutdownTurn = true
            resumed += turnWaiters.removeAll()
        }
        return resumed
    }

    /// The two moments of graceful shutdown the service waits for.
    enum Moment {
        /// Graceful shutdown has reached a task using the handle, or the service.
        case began
        /// Graceful shutdown has reached the service itself.
        case turn
    }

    func hasReached(_ moment: Moment) -> Bool {
        switch moment {
        case .began: shutdownBegan
        case .turn: shutdownTurn
        }
    }

    /// The waiters of a moment.
    subscript(waiters moment: Moment) -> WaiterList<Void> {
        get {
            switch moment {
            case .began: shutdownWaiters
            case .turn: turnWaiters
            }
        }
        set {
            switch moment {
            case .began: shutdownWaiters = newValue
            case .turn: turnWaiters = newValue
            }
        }
    }

    /// What a task that asks for the handle gets now.
    enum Lease {
        /// The handle, to use at once.
        case use(Handle)
        /// Nothing yet: wait until the scope opens or the service ends.
        case wait
        /// The service has ended, or could not open its scope.
        case fail(any Error)
    }

    /// What a task that asks for the handle gets now.
    func lease() -> Lease {
        switch phase {
        case .idle, .opening: .wait
        case .serving(let handle): .use(handle)
        case .ended(let error): .fail(error ?? stopped)
        }
    }

    /// The error of asking a service that has stopped for its handle.
    var stopped: TractorError {
        TractorError(
            .scopeClosed,
            "the \(name) has stopped: use it only while it runs (list the services that use it after it in the "
                + "ServiceGroup, so that they stop first)"
        )
    }
}
