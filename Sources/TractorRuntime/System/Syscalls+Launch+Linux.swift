//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import CTractorLinux
import Glibc

// The calls the agent launchers make: a pipe for a child's standard input, this host's name, a program's path.

/// A pipe whose two ends are close-on-exec. The corresponding C function is `pipe2`.
///
/// - Throws: ``TractorError`` `.systemCallFailed` naming `pipe2`.
package func sys_pipe() throws(TractorError) -> (read: CInt, write: CInt) {
    var ends: [CInt] = [-1, -1]
    guard ctractor_pipe_cloexec(&ends) == 0 else {
        throw TractorError(.systemCallFailed, "pipe2 failed: \(Errno(errno))", cause: Errno(errno))
    }
    return (ends[0], ends[1])
}

/// `/dev/null` opened for reading, close-on-exec; `-1` if it cannot be opened.
package func sys_open_null() -> CInt {
    Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
}

/// This host's name, or `nil` if it cannot be read. The corresponding C function is `gethostname`.
package func sys_gethostname() -> String? {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The path of the executable `name` as a shell finds it: `name` itself when it holds a `/`, else the first
/// directory of `searchPath` (a `PATH` value) that holds an executable of that name; `nil` when none does.
/// The corresponding C function is `access` with `X_OK`.
package func sys_find_executable(_ name: String, searchPath: String?) -> String? {
    if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
    let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
    for directory in directories {
        let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
#endif
