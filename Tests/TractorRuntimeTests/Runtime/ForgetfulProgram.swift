//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
@testable import TractorRuntime

/// The `tractor-forgetful` test program (a program without `Tractor.bootstrap`) and ways to start processes by hand.
enum ForgetfulProgram {
    static var path: String { ProcessTree.buildDirectory + "/tractor-forgetful" }

    /// A spawn marker naming `parentPID` as the parent and a socket no one listens on.
    static func marker(parentPID: Int32) -> String {
        SpawnMarker(
            parentSocket: "/nonexistent/parent.sock",
            parentPID: parentPID,
            name: "by-hand",
            uid: "0",
            cookie: Array(repeating: 1, count: 16),
            treeSecret: Array(repeating: 2, count: 32),
            socketDirectory: "/nonexistent",
            registryAddress: ""
        ).encoded
    }

    /// Starts the program with `posix_spawn`, inheriting every descriptor this process holds without close-on-exec,
    /// with standard output on `stdout` (and standard error on `stderr`, if given) and the given environment (plus `PATH`).
    static func spawnDirectly(
        arguments: [String],
        environment: [String],
        stdout: CInt,
        stderr: CInt? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = (environment + ["PATH=/usr/bin:/bin"]).map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        return pid
    }

    /// Everything readable from `fd` until EOF, as text.
    static func readAll(_ fd: CInt) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = read(fd, &buffer, buffer.count)
            if got <= 0 { break }
            bytes += buffer[0..<got]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
