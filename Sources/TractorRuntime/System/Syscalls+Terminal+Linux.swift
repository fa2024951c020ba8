//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if os(Linux)
import Glibc

// Terminal output: whether a descriptor is a terminal, how wide it is, and writing all of a buffer to it.

/// Whether `fd` refers to a terminal. The corresponding C function is `isatty`.
package func sys_isatty(_ fd: CInt) -> Bool {
    isatty(fd) == 1
}

/// The width of the terminal on `fd` in columns, as `ioctl(TIOCGWINSZ)` reads it; `nil` when it cannot be read or is
/// zero (a pseudo-terminal nobody has sized).
package func sys_terminal_columns(_ fd: CInt) -> Int? {
    var size = winsize()
    let result = retryingEINTR { ioctl(fd, UInt(TIOCGWINSZ), &size) }
    guard case .success = result, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
}

/// Writes all of `buffer` to `fd` with `write(2)`, retrying EINTR and short writes; stops at the first other error.
package func sys_write_all(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) -> Result<Void, Errno> {
    var offset = 0
    while offset < buffer.count {
        let result = retryingEINTR { Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset) }
        switch result {
        case .success(0): return .failure(Errno(EIO))
        case .success(let written): offset += written
        case .failure(let error): return .failure(error)
        }
    }
    return .success(())
}

/// The value of the environment variable `name`, if it is set. The corresponding C function is `getenv`.
package func sys_getenv(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// Runs `body` until it does not fail with EINTR; returns its result or the errno as `Errno`.
private func retryingEINTR<T: BinaryInteger>(_ body: () -> T) -> Result<T, Errno> {
    while true {
        let result = body()
        if result >= 0 { return .success(result) }
        let code = errno
        if code != EINTR { return .failure(Errno(code)) }
    }
}
#endif
