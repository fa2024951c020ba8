//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Foundation

/// `tractor-test-worker adopt-orphans REPORT PROGRAM ARGUMENTS...`: runs a program below a child subreaper, to tell
/// whether the program reaped its own children before it exited.
///
/// This process marks itself a child subreaper (`PR_SET_CHILD_SUBREAPER`), starts the program with the same standard
/// input, output and error, and waits for it. When a process exits, the kernel hands its children still alive or
/// unreaped (zombies) to the nearest subreaper before it tells the parent of the exit; so at the moment `waitpid`
/// returns the program's status, any child of this process other than the program is one the program left behind.
/// No timing is involved: a program that reaped its children first leaves none, one that did not leaves each of them.
/// `REPORT` then holds `adopted: none`, or `adopted:` and one line per orphan (pid, state, command line); the orphans
/// are killed and reaped, and this process exits with the program's status (128 + the signal if a signal ended it).
func adoptOrphans(report: String, command: [String]) -> Int32 {
    guard ctractor_set_child_subreaper(1) == 0 else {
        FileHandle.standardError.write(Data("adopt-orphans: PR_SET_CHILD_SUBREAPER failed: errno \(errno)\n".utf8))
        return 70
    }
    var arguments = command.map { strdup($0) } + [nil]
    defer { for argument in arguments { free(argument) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, command[0], nil, nil, &arguments, environ)
    guard spawned == 0 else {
        FileHandle.standardError.write(Data("adopt-orphans: cannot start \(command[0]): error \(spawned)\n".utf8))
        return 70
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}

    // At this moment: whatever the program left behind is already ours.
    let orphans = childrenOfThisProcess().filter { $0 != pid }
    let lines = orphans.map { orphan -> String in
        let state = (try? String(contentsOfFile: "/proc/\(orphan)/stat", encoding: .utf8))?
            .split(separator: ")").last?.split(separator: " ").first ?? "?"
        let commandLine = FileManager.default.contents(atPath: "/proc/\(orphan)/cmdline")
            .map { String(decoding: $0.map { $0 == 0 ? 32 : $0 }, as: UTF8.self) } ?? ""
        return "\(orphan) [\(state)] \(commandLine)"
    }
    let text = orphans.isEmpty ? "adopted: none\n" : "adopted:\n" + lines.joined(separator: "\n") + "\n"
    _ = FileManager.default.createFile(atPath: report, contents: Data(text.utf8))

    for orphan in orphans {
        kill(orphan, SIGKILL)
        var ignored: Int32 = 0
        while waitpid(orphan, &ignored, 0) == -1 && errno == EINTR {}
    }
    // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
}

/// The processes, alive or zombie, whose parent is this process, read from `/proc/PID/stat`.
private func childrenOfThisProcess() -> [Int32] {
    let me = getpid()
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { candidate in
        guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        // After "pid (comm) ": state, then the parent's pid.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == me
    }
}
