//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// `localizedDescription` comes from Foundation's bridging of `Error`, which reads a `LocalizedError` conformance; the
// protocol lives in FoundationEssentials, the Foundation-free core, imported here only where it exists.

#if canImport(FoundationEssentials)
import FoundationEssentials

extension WorkerCrashed: LocalizedError {
    /// The same text as ``description``, for `localizedDescription`.
    ///
    /// ```swift
    /// print(crash.localizedDescription)   // "WorkerCrashed: worker 0 (pid 4242) was killed by signal 9 …"
    /// ```
    public var errorDescription: String? { description }
}
#endif
