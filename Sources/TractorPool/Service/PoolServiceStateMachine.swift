//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The life of a ``PoolService``, without I/O: not started, opening its pool, serving it, ended; the tasks that
/// wait in ``PoolService/withPool(isolation:_:)`` for the pool to open; and the two moments of graceful shutdown, when
/// it first reaches a user of the pool or the service (it *began*) and when it reaches the service itself (its
/// *turn*, once the services listed after it have stopped).
///
/// ```text
///          start()             opened(pool)              ended(error)
///   idle ──────────▶ opening ──────────────▶ serving ──────────────────▶ ended
///                       └──────────────────────────── ended(error) ─────────▲
/// ```
///
/// `Pool` is the pool's handle (``ProcessPool`` in the service; anything in the tests).
struct PoolServiceStateMachine<Pool: Sendable>: Sendable {
    enum Phase: Sendable {
        case idle
        case opening
        case serving(Pool)
        /// The service's `run()` has returned: with no error, or the error it threw.
        case ended((any Error)?)
    }

    private(set) var phase = Phase.idle
    var waiters = WaiterList<Result<Pool, any Error>>()
    /// Whether graceful shutdown has reached a task using the pool (inside `withPool`) or the service itself.
    private(set) var shutdownBegan = false
    /// Whether graceful shutdown has reached the service itself: the services using the pool have stopped.
    private(set) var shutdownTurn = false
    var shutdownWaiters = WaiterList<Void>()
    var turnWaiters = WaiterList<Void>()

    /// `run()` begins; `false` when the service has run already (it runs once).
    mutating func start() -> Bool {
        guard case .idle = phase else { return false }
        phase = .opening
        return true
    }

    /// The pool is open: returns the waiters, to resume with it.
    mutating func opened(_ pool: Pool) -> [CheckedContinuation<Result<Pool, any Error>, Never>] {
        guard case .opening = phase else { return [] }
        phase = .serving(pool)
        return waiters.removeAll()
    }

    /// `run()` has ended (its pool closed, every worker reaped): returns the waiters, to resume with `error` (or the
    /// error that says the service has stopped).
    mutating func ended(_ error: (any Error)?) -> [CheckedContinuation<Result<Pool, any Error>, Never>] {
        if case .ended = phase { return [] }
        phase = .ended(error)
        return waiters.removeAll()
    }

    /// Graceful shutdown has reached a task using the pool, or (`service`) the service itself: returns the waiters
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
        /// Graceful shutdown has reached a task using the pool or the service.
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

    /// What a task that asks for the pool gets now.
    enum Lease {
        /// The pool, to use at once.
        case use(Pool)
        /// Nothing yet: wait until the pool opens or the service ends.
        case wait
        /// The service has ended, or could not open its pool.
        case fail(any Error)
    }

    /// What a task that asks for the pool gets now.
    func lease() -> Lease {
        switch phase {
        case .idle, .opening: .wait
        case .serving(let pool): .use(pool)
        case .ended(let error): .fail(error ?? Self.stopped)
        }
    }

    /// The error of asking a service that has stopped for its pool.
    static var stopped: TractorError {
        TractorError(
            .scopeClosed,
            "the pool service has stopped: use its pool only while the service runs (list the services that use the "
                + "pool after it in the ServiceGroup, so that they stop first)"
        )
    }
}
