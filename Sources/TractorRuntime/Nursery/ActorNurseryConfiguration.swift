//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Logging

/// Settings of one actor nursery.
///
/// ```swift
/// var configuration = ActorNurseryConfiguration()
/// configuration.executable = .path("/usr/local/bin/pool-worker")
/// configuration.teardown = TeardownPolicy(cancelGrace: .milliseconds(200), terminateGrace: .milliseconds(200))
/// try await withActorNursery(configuration: configuration) { nursery in ... }
/// ```
public struct ActorNurseryConfiguration: Sendable {
    /// The program the nursery's actors run. Default ``ActorExecutable/current``: this binary, re-executed.
    public var executable: ActorExecutable = .current
    /// The cancellation ladder for this nursery's actors. Default: the process's ``TractorConfiguration/teardown``.
    public var teardown: TeardownPolicy = ActorRuntime.shared.configuration.teardown
    /// How long a new actor may take to connect back. Default: the process's ``TractorConfiguration/spawnTimeout``.
    public var spawnTimeout: Duration = ActorRuntime.shared.configuration.spawnTimeout
    /// The logger the nursery reports on (at `debug` level: each spawn, handshake and teardown step), whose level is
    /// also the log level of the actors it starts; `nil`, the default, for ``Tractor/logger``.
    ///
    /// ```swift
    /// var configuration = ActorNurseryConfiguration()
    /// var logger = Tractor.logger
    /// logger.logLevel = .debug
    /// configuration.logger = logger
    /// ```
    public var logger: Logger?

    /// Called (on the I/O thread) when an actor dies unasked, *instead of* failing the nursery; its calls in flight
    /// still fail with `.actorCrashed`. The pool sets it to replace crashed workers. Not API.
    package var unexpectedExitHandler: (@Sendable (ActorID, TerminationStatus) -> Void)?

    /// The default configuration.
    public init() {}
}

/// Which program an actor process runs. Its `main` must call ``Tractor/bootstrap(jobs:configuration:)`` first.
///
/// ```swift
/// let worker = ActorExecutable.path("/opt/app/bin/my-worker", arguments: ["--quiet"])
/// ```
public struct ActorExecutable: Sendable, Hashable {
    /// The executable's path.
    public var path: String
    /// Arguments after `argv[0]`.
    public var arguments: [String]

    /// This binary, re-executed with the same arguments (the default).
    public static var current: ActorExecutable {
        let path = sys_readlink("/proc/self/exe") ?? CommandLine.arguments[0]
        return ActorExecutable(path: path, arguments: Array(CommandLine.arguments.dropFirst()))
    }

    /// Another executable, such as `pool-worker` or a worker program of your own.
    ///
    /// ```swift
    /// var configuration = ActorNurseryConfiguration()
    /// configuration.executable = .path("/usr/local/bin/my-worker")
    /// try await withActorNursery(configuration: configuration) { nursery in ... }
    /// ```
    ///
    /// - Parameters:
    ///   - path: The executable; its `main` calls ``Tractor/bootstrap(jobs:configuration:)`` first.
    ///   - arguments: Its arguments after `argv[0]`. Default none.
    public static func path(_ path: String, arguments: [String] = []) -> ActorExecutable {
        ActorExecutable(path: path, arguments: arguments)
    }

    private init(path: String, arguments: [String]) {
        self.path = path
        self.arguments = arguments
    }
}
