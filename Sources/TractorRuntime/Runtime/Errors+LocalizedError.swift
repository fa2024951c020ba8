//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// `localizedDescription` on Linux comes from Foundation's bridging of `Error` to `NSError`, which takes the text from
// a `LocalizedError` conformance and otherwise says "The operation could not be completed. (… error 1.)". The
// protocol lives in FoundationEssentials, the Foundation-free core that the codec already links; this file imports
// only that, and only where it exists.

#if canImport(FoundationEssentials)
public import FoundationEssentials

extension TractorError: LocalizedError {
    /// The same text as ``description``, for `localizedDescription`.
    ///
    /// ```swift
    /// print(error.localizedDescription)   // "TractorError.timedOut: …"
    /// ```
    public var errorDescription: String? { description }
}

extension RemoteActorError: LocalizedError {
    /// The same text as ``description``, for `localizedDescription`.
    ///
    /// ```swift
    /// print(error.localizedDescription)   // "RemoteActorError from parser[4242] in job 'parse': …"
    /// ```
    public var errorDescription: String? { description }
}

extension ActorNurseryError: LocalizedError {
    /// The same text as ``description``, for `localizedDescription`.
    ///
    /// ```swift
    /// print(error.localizedDescription)   // "2 actors failed: …"
    /// ```
    public var errorDescription: String? { description }
}

extension ContextCancelled: LocalizedError {
    /// The same text as ``description``, for `localizedDescription`.
    ///
    /// ```swift
    /// print(error.localizedDescription)   // "context of job 'echo' was cancelled by root[4242]"
    /// ```
    public var errorDescription: String? { description }
}
#endif
