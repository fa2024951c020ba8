//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux

/// How a spawned actor's process shows in `ps`, `top` and `/proc`: what it is for, not the parent's command line.
///
/// The parent starts the child with `argv[0]` set to ``commandLine(program:)`` — such as
/// `primes: pool-worker 0 of 2` or `app: actor frank` — and the executable's path given apart, so `/proc/PID/cmdline`
/// and `ps -f` name the role while `/proc/PID/exe` still names the program. The arguments after `argv[0]` are the
/// ones the program was started with, unchanged. The short ``name`` (at most 15 bytes, the kernel's limit) becomes
/// the process's command name (`/proc/PID/comm`, what `top` and `ps -e` show): the runtime's C library sets it
/// (`PR_SET_NAME`) on the main thread before `main` runs, from the ``environmentVariable`` the parent passes.
package struct ProcessTitle: Sendable, Hashable {
    /// The role after the program's name in `argv[0]`, such as `pool-worker 0 of 2`.
    package var role: String
    /// The process's command name, such as `pool-worker 0`; cut to 15 bytes on a character boundary.
    package var name: String

    /// The environment variable that carries ``name`` to the child's C constructor, which removes it.
    package static let environmentVariable = String(cString: ctractor_process_name_variable)
    /// The most bytes of a command name (`TASK_COMM_LEN` less the terminating zero).
    package static let nameLimit = 15

    /// A title of `role` whose command name is `name`.
    package init(role: String, name: String) {
        self.role = Self.clean(role)
        self.name = Self.cut(Self.clean(name), toBytes: Self.nameLimit)
    }

    /// The title of a nursery's actor `name`: `actor NAME`, with the actor's name as the command name.
    package static func actor(_ name: String) -> ProcessTitle {
        ProcessTitle(role: "actor \(name)", name: name)
    }

    /// The title of worker `index` of a pool of `count`: `pool-worker 0 of 2`, command name `pool-worker 0`. The index
    /// counts from 0, as the pool's worker ids, its bindings report and its log lines do.
    package static func poolWorker(_ index: Int, of count: Int) -> ProcessTitle {
        ProcessTitle(role: "pool-worker \(index) of \(count)", name: "pool-worker \(index)")
    }

    /// The child's `argv[0]`: `PROGRAM: ROLE`.
    package func commandLine(program: String) -> String {
        "\(program): \(role)"
    }

    /// The program's name in the titles of the actors this process starts: in a root, the last component of its
    /// `argv[0]`; in a spawned actor, the program its own title names, so that a whole tree carries the root's name.
    package static let programName: String = program(
        fromFirstArgument: CommandLine.arguments.first ?? "",
        spawned: ActorRuntime.shared.marker != nil
    )

    /// The program name that `argument` (an `argv[0]`) gives: the text before `: ` in a spawned actor's title, or
    /// else the last path component; `tractor` when that is empty.
    package static func program(fromFirstArgument argument: String, spawned: Bool) -> String {
        if spawned, !argument.contains("/"), let colon = argument.firstRange(of: ": ") {
            let program = argument[..<colon.lowerBound]
            if !program.isEmpty { return String(program) }
        }
        let last = argument.split(separator: "/").last.map(String.init) ?? ""
        return last.isEmpty ? "tractor" : last
    }

    /// `text` with control characters (a zero byte, a newline) replaced by spaces: an argument and an environment
    /// value are C strings, and a title is read on one line.
    private static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : $0 }))
    }

    /// The longest prefix of `text` of at most `limit` UTF-8 bytes that ends on a character boundary.
    static func cut(_ text: String, toBytes limit: Int) -> String {
        var bytes = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text[index].utf8.count
            guard bytes + next <= limit else { break }
            bytes += next
            end = text.index(after: index)
        }
        return String(text[..<end])
    }
}
