//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc
import Logging

/// Settings of one process's runtime, given to ``Tractor/bootstrap(jobs:configuration:)``.
///
/// ```swift
/// var configuration = TractorConfiguration()
/// configuration.logLevel = .debug
/// try await Tractor.bootstrap(jobs: [isPrime], configuration: configuration)
/// ```
public struct TractorConfiguration: Sendable {
    /// The root actor's name. Default `"root"`. (A spawned child takes the name its parent gave it.)
    public var rootName: String = "root"
    /// The largest frame accepted from a peer, checked before allocating. Default 64 MiB.
    public var maximumFrameSize: Int = 64 << 20
    /// The log level of this process, and of the children it spawns. Default `.info`, or the `TRACTOR_LOG_LEVEL`
    /// environment variable (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`).
    public var logLevel: Logger.Level = Self.environmentLogLevel ?? .info
    /// How this process tears down its children. Default ``TeardownPolicy/standard``.
    public var teardown: TeardownPolicy = .standard
    /// How long a spawned child may take to connect back and complete the handshake. Default 60 seconds.
    ///
    /// The time a spawn spends waiting for one of the ``maximumConcurrentSpawns`` slots does not count.
    public var spawnTimeout: Duration = .seconds(60)
    /// How many children this process starts at once, all nurseries together: a spawn beyond this waits until one
    /// of the children being started has completed its handshake (or failed to). Default twice the CPUs this process
    /// may run on, plus 4 (8 on two cores).
    ///
    /// Starting a child costs a process start-up and a handshake with its parent and the registry; hundreds at once
    /// starve one another until their handshakes time out, while a bounded number start at the machine's pace. While
    /// many start, progress is logged at `info` level every 100 actors.
    public var maximumConcurrentSpawns: Int = Self.defaultConcurrentSpawns

    /// The default configuration.
    public init() {}

    static var defaultConcurrentSpawns: Int {
        var mask = [UInt](repeating: 0, count: 1024 / UInt.bitWidth)
        let bytes = mask.withUnsafeMutableBufferPointer { buffer in
            ctractor_sched_getaffinity(0, buffer.count * MemoryLayout<UInt>.size, buffer.baseAddress)
        }
        let allowed = bytes > 0 ? mask.reduce(0) { $0 + $1.nonzeroBitCount } : Int(sysconf(CInt(_SC_NPROCESSORS_ONLN)))
        return 2 * max(1, allowed) + 4
    }

    static var environmentLogLevel: Logger.Level? {
        guard let value = getenv("TRACTOR_LOG_LEVEL") else { return nil }
        return Logger.Level(rawValue: String(cString: value).lowercased())
    }
}

/// The cancellation ladder, as data: cancel message → wait → SIGTERM → wait → SIGKILL, always ending in a reap.
///
/// ```swift
/// var configuration = ActorNurseryConfiguration()
/// configuration.teardown = TeardownPolicy(cancelGrace: .milliseconds(200), terminateGrace: .milliseconds(300))
/// ```
public struct TeardownPolicy: Sendable, Hashable {
    /// How long to wait, after sending `cancel`, for the actor to acknowledge and exit before sending SIGTERM.
    public var cancelGrace: Duration
    /// How long to wait, after SIGTERM, before SIGKILL.
    public var terminateGrace: Duration

    /// Creates a policy.
    public init(cancelGrace: Duration, terminateGrace: Duration) {
        self.cancelGrace = cancelGrace
        self.terminateGrace = terminateGrace
    }

    /// 500 ms for the cancel to be acknowledged, then 500 ms after SIGTERM.
    public static var standard: TeardownPolicy {
        TeardownPolicy(cancelGrace: .milliseconds(500), terminateGrace: .milliseconds(500))
    }

    var wire: TeardownSpec {
        TeardownSpec(
            cancelGraceMilliseconds: UInt32(clamping: cancelGrace.components.seconds * 1000
                + cancelGrace.components.attoseconds / 1_000_000_000_000_000),
            terminateGraceMilliseconds: UInt32(clamping: terminateGrace.components.seconds * 1000
                + terminateGrace.components.attoseconds / 1_000_000_000_000_000)
        )
    }

    init(wire: TeardownSpec) {
        self.init(
            cancelGrace: .milliseconds(Int(wire.cancelGraceMilliseconds)),
            terminateGrace: .milliseconds(Int(wire.terminateGraceMilliseconds))
        )
    }
}

/// How far the cancellation ladder went for one actor, and how the process ended.
///
/// ```swift
/// let outcome = try await frank.cancelActor()
/// print(outcome)   // e.g. "cancelled: exited with status 0"
/// ```
public struct TeardownOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The last step taken.
    public struct Step: Sendable, Hashable, CustomStringConvertible {
        private enum Storage: String, Sendable, Hashable { case alreadyExited, cancelled, terminated, killed }
        private let storage: Storage
        private init(_ storage: Storage) { self.storage = storage }

        /// The actor had already exited; nothing was sent.
        public static var alreadyExited: Self { .init(.alreadyExited) }
        /// The actor honoured the `cancel` message and exited within the cancel grace.
        public static var cancelled: Self { .init(.cancelled) }
        /// The actor exited after SIGTERM.
        public static var terminated: Self { .init(.terminated) }
        /// The actor was killed with SIGKILL.
        public static var killed: Self { .init(.killed) }

        /// `alreadyExited`, `cancelled`, `terminated` or `killed`.
        public var description: String { storage.rawValue }
    }

    /// The last step of the ladder that was taken.
    public var step: Step
    /// How the process ended.
    public var status: TerminationStatus

    /// The step and the status, such as `cancelled: exited with status 0`.
    public var description: String { "\(step): \(status)" }
}
