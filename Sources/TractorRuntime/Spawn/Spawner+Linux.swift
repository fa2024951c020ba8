//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

/// What to start: an executable, its arguments (without `argv[0]`), its whole environment, and its `argv[0]`.
package struct SpawnCommand: Sendable {
    package var executable: String
    package var arguments: [String]
    package var environment: [String: String]
    /// The child's `argv[0]` (its title in `ps -f` and `/proc/PID/cmdline`); `nil` for the executable's path. The
    /// executable is started by its path whatever this says.
    package var firstArgument: String?
    /// A descriptor of this process to become the child's standard input; `nil` to inherit this process's.
    package var standardInput: CInt?

    package init(
        executable: String,
        arguments: [String],
        environment: [String: String],
        firstArgument: String? = nil,
        standardInput: CInt? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.firstArgument = firstArgument
        self.standardInput = standardInput
    }
}

/// Starts child processes from the ``IOLoop`` thread.
///
/// The loop thread lives as long as the process, which matters: `PR_SET_PDEATHSIG` fires when the *thread* that
/// created the child exits, so a child started from a pool thread that later retires would be killed for nothing.
package enum Spawner {
    /// Starts `command` and begins watching the child; the child gets its own process group (a terminal's Ctrl-C
    /// reaches the root alone, which then tears the tree down), default signal dispositions and an empty signal mask.
    ///
    /// The child inherits standard input (unless the command names another), output and error and nothing else: every other descriptor of this process
    /// is closed in the child before it execs, whichever thread opened it and with or without close-on-exec (a pipe
    /// that user code is handing to a subprocess at that moment, say, whose EOF would otherwise wait for the actor).
    /// The child connects back over the parent's listener, so it needs no inherited descriptor.
    package static func spawn(_ command: SpawnCommand, loop: IOLoop = .shared) async throws -> ChildProcess {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildProcess, any Error>) in
            loop.execute {
                continuation.resume(with: Result { () throws(TractorError) -> ChildProcess in
                    let pid = try spawnNow(command)
                    let pidFD: CInt
                    do throws(TractorError) {
                        pidFD = try sys_pidfd_open(pid)
                    } catch {
                        sys_kill(pid, SIGKILL)
                        var status: CInt = 0
                        _ = waitpid(pid, &status, 0)
                        throw error
                    }
                    let child = ChildProcess(pid: pid, pidFD: pidFD, loop: loop)
                    try child.startWatching()
                    return child
                })
            }
        }
    }

    private static func spawnNow(_ command: SpawnCommand) throws(TractorError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        )

        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        if let input = command.standardInput {
            // Before the descriptors are closed: the duplicate on 0 stays, the original goes.
            posix_spawn_file_actions_adddup2(&fileActions, input, STDIN_FILENO)
        }
        let closing = ctractor_spawn_file_actions_addclosefrom(&fileActions, 3)
        guard closing == 0 else {
            throw TractorError(
                .spawnFailed,
                "could not start \(command.executable): the C library cannot close a child's inherited descriptors "
                    + "(posix_spawn_file_actions_addclosefrom_np needs glibc 2.34 or later)",
                cause: Errno(closing)
            )
        }

        let argv = ([command.firstArgument ?? command.executable] + command.arguments).map { strdup($0) }
        let envp = command.environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                posix_spawn(
                    &pid,
                    command.executable,
                    &fileActions,
                    &attributes,
                    UnsafeMutablePointer(mutating: argvBuffer.baseAddress!),
                    UnsafeMutablePointer(mutating: envpBuffer.baseAddress!)
                )
            }
        }
        guard result == 0 else {
            throw TractorError(
                .spawnFailed,
                "could not start \(command.executable)",
                cause: Errno(result)
            )
        }
        return pid
    }
}
#endif
