//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging

/// The process-wide entry points: bootstrap, identity and discovery.
///
/// ```swift
/// @main struct App {
///     static func main() async throws {
///         try await Tractor.bootstrap(jobs: [question, add])   // an actor serves here and never returns
///         print(Tractor.isRoot, Tractor.currentActor.pid)
///     }
/// }
/// ```
public enum Tractor {
    /// Makes this process an actor runtime; call it as the first statement of `main`.
    ///
    /// In a process spawned by an actor nursery (the same binary re-executed, or a worker executable), this connects
    /// back to the parent, serves the listed jobs and never returns: the process exits when its parent cancels it or
    /// goes away. In any other process — the root — it records the jobs and configuration and returns at once.
    ///
    /// The list is the capability list: only these jobs can be called in this process.
    ///
    /// - Important: A program whose actors are copies of itself must call this before anything else in `main`. A
    ///   process started as an actor that reaches for a nursery, a pool or a spawn without it fails at once with
    ///   ``TractorError`` `.notBootstrapped`, and its parent's spawn fails with `.spawnFailed`; a process started as
    ///   an actor dies with its parent either way.
    ///
    /// ```swift
    /// let isPrime = Job("is_prime") { (n: Int) -> Bool in ... }
    ///
    /// @main struct Primes {
    ///     static func main() async throws {
    ///         try await Tractor.bootstrap(jobs: [isPrime])
    ///         // From here on, only the root runs.
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - jobs: The jobs this program's actors may run. Names must be unique.
    ///   - configuration: Frame size limit, log level, teardown policy.
    /// - Throws: ``TractorError`` `.invalidArgument` for duplicate job names or a job that is not a ``Job``,
    ///   ``StreamJob`` or ``ContextJob``; `.runtimeUnavailable` when the runtime cannot start (`TMPDIR` names a
    ///   directory that is missing or not writable, or the process is out of descriptors). In a spawned child, a
    ///   failed handshake ends the process instead (there is no one to throw to).
    public static func bootstrap(
        jobs: [any JobDefinition],
        configuration: TractorConfiguration = TractorConfiguration()
    ) async throws {
        let runtime = ActorRuntime.shared
        try runtime.requireRunning()
        try runtime.configure(configuration, jobs: jobs)
        runtime.markBootstrapped()
        guard let marker = runtime.marker else { return }
        await runtime.serveAsChild(marker)
    }

    /// The identity of the actor this code runs in: its name, unique id and process id.
    ///
    /// ```swift
    /// let whoAmI = Job("who") { Tractor.currentActor.name }
    /// ```
    public static var currentActor: ActorID { ActorRuntime.shared.identity }

    /// Whether this process is the root of its actor tree (it was not spawned by a nursery).
    public static var isRoot: Bool { ActorRuntime.shared.isRoot }

    /// A logger labelled `tractor` whose metadata names this actor (`actor: name[pid]`), at the level the
    /// configuration (or the `TRACTOR_LOG_LEVEL` environment variable, or the parent) set.
    ///
    /// ```swift
    /// Tractor.logger.info("starting the sweep")   // … actor=worker-3[4242] starting the sweep
    /// ```
    public static var logger: Logger { ActorRuntime.shared.logger }
}
