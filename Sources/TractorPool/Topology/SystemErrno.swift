//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `errno` a failed system or library call set, with the call's name; the `cause` of a ``TractorError`` with
/// code `.systemCallFailed` raised by topology and binding code.
struct SystemErrno: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value, such as `EINVAL`.
    var code: Int32
    /// The call that failed, such as `sched_setaffinity`.
    var call: String

    init(_ code: Int32, call: String) {
        self.code = code
        self.call = call
    }

    /// `call: message (errno N)`, such as `sched_setaffinity: Invalid argument (errno 22)`.
    var description: String {
        "\(call): \(String(cString: strerror(code))) (errno \(code))"
    }
}
