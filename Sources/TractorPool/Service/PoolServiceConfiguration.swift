//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// Settings of a ``PoolService``: its pool's, and what graceful shutdown does with the work in flight.
///
/// ```swift
/// var configuration = PoolServiceConfiguration(pool: ProcessPoolConfiguration(placement: .perCore))
/// configuration.shutdown = .drain(within: .seconds(10))
/// let poolService = PoolService(configuration: configuration)
/// ```
public struct PoolServiceConfiguration: Sendable {
    /// The pool's settings. Default: ``ProcessPoolConfiguration/init()``.
    public var pool: ProcessPoolConfiguration = ProcessPoolConfiguration()

    /// What graceful shutdown does with the jobs queued and running. Default ``ShutdownBehavior/drain(within:)``
    /// with 30 seconds: the jobs submitted finish, and those still running after 30 seconds are cancelled.
    public var shutdown: ShutdownBehavior = .drain(within: .seconds(30))

    /// The default configuration.
    public init() {}

    /// A configuration with these pool settings, and the default shutdown behaviour.
    ///
    /// ```swift
    /// let configuration = PoolServiceConfiguration(pool: ProcessPoolConfiguration(placement: .workers(4)))
    /// ```
    public init(pool: ProcessPoolConfiguration) {
        self.pool = pool
    }

    /// What a ``PoolService`` does with its work in flight when graceful shutdown is triggered.
    ///
    /// Either way the pool takes no new job from then on (`submit` throws ``TractorError`` `.scopeClosed`), and the
    /// service returns once every worker has exited and been reaped. Cancelling the service's task instead (the
    /// group's cancellation) cancels every job at once, whatever this says.
    ///
    /// ```swift
    /// configuration.shutdown = .drain               // finish everything, however long it takes
    /// configuration.shutdown = .drain(within: .seconds(5))
    /// configuration.shutdown = .cancel              // cancel the jobs in flight at once
    /// ```
    public struct ShutdownBehavior: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Hashable {
            case drain(Duration?)
            case cancel
        }

        let kind: Kind

        /// Finish the jobs queued and running; after `limit` (if not `nil`), cancel those still queued or running.
        ///
        /// A cancelled job that ignores its cancellation past the pool's
        /// ``ProcessPoolConfiguration/cancellationGrace`` has its worker killed.
        public static func drain(within limit: Duration?) -> Self { Self(kind: .drain(limit)) }

        /// Finish the jobs queued and running, however long they take.
        public static var drain: Self { .drain(within: nil) }

        /// Cancel the jobs queued and running at once: their futures and maps end with `CancellationError`.
        public static var cancel: Self { Self(kind: .cancel) }

        /// The behaviour in words: `drain`, `drain within 5.0 seconds`, `cancel`.
        public var description: String {
            switch kind {
            case .drain(nil): "drain"
            case .drain(let limit?): "drain within \(limit)"
            case .cancel: "cancel"
            }
        }
    }
}
