//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// An error raised by Tractor itself: the wire codec, the transport, spawning, supervision or a pool.
///
/// Every `TractorError` has a ``code`` to match on, a human ``message`` that says what happened and what to do, an
/// optional underlying ``cause``, and the source location that raised it. Errors that come from *another* process are
/// never re-created as `TractorError`: they arrive boxed as ``RemoteActorError``.
///
/// ```swift
/// do {
///     _ = try MessagePackDecoder().decode(Int.self, from: bytes)
/// } catch let error as TractorError where error.code == .truncatedData {
///     print("need more bytes:", error.message)
/// }
/// ```
public struct TractorError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public var code: Code
    /// What happened, in words meant for the person reading the log.
    public var message: String
    /// The error that caused this one, if any.
    public var cause: (any Error & Sendable)?
    /// The file that raised the error.
    public var file: String
    /// The line that raised the error.
    public var line: Int

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - message: What happened and, where it helps, what to do about it.
    ///   - cause: The underlying error, if any.
    ///   - file: The file raising the error; the caller's by default.
    ///   - line: The line raising the error; the caller's by default.
    public init(
        _ code: Code,
        _ message: String,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// A one-line rendering: the code, the message and the cause, each said once.
    ///
    /// The cause is added in parentheses only where the message does not already say it: a message such as
    /// `"could not read: \(error)"` stands alone.
    public var description: String {
        var text = "TractorError.\(code): \(message)"
        if let cause, let unsaid = Self.unsaid(cause, in: message) {
            text += " (caused by: \(unsaid))"
        }
        return text
    }

    /// What of `cause` `message` does not say already: `nil` when it says the cause's description (or, for a
    /// ``TractorError``, its message and everything under it), else the description, or the cause's own cause.
    private static func unsaid(_ cause: any Error, in message: String) -> String? {
        let described = String(describing: cause)
        if described.isEmpty || message.contains(described) { return nil }
        if let tractor = cause as? TractorError, !tractor.message.isEmpty, message.contains(tractor.message) {
            return tractor.cause.flatMap { unsaid($0, in: message) }
        }
        return described
    }
}

extension TractorError {
    /// Identifies the kind of a ``TractorError``.
    ///
    /// A struct rather than an enum, so that adding codes is not a breaking change: match with `==`.
    ///
    /// ```swift
    /// catch let error as TractorError where error.code == .spawnFailed { print(error.message) }
    /// ```
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Storage: String, Hashable, Sendable {
            // Wire
            case truncatedData
            case malformedData
            case frameTooLarge
            case typeMismatch
            case valueOutOfRange
            case encodingFailed
            case decodingFailed
            case protocolViolation
            // Transport and processes
            case systemCallFailed
            case channelClosed
            case spawnFailed
            case handshakeFailed
            case actorCrashed
            case hostLost
            case notBootstrapped
            case runtimeUnavailable
            // Calls
            case unknownJob
            case unknownActor
            case cancelled
            case timedOut
            case invalidArgument
            case scopeClosed
        }

        private let storage: Storage

        private init(_ storage: Storage) {
            self.storage = storage
        }

        /// The input ended in the middle of a value or a frame.
        public static var truncatedData: Self { .init(.truncatedData) }
        /// The input is not valid MessagePack, or not a valid message of the wire protocol.
        public static var malformedData: Self { .init(.malformedData) }
        /// A frame announced a length above the configured maximum; nothing was allocated for it.
        public static var frameTooLarge: Self { .init(.frameTooLarge) }
        /// A value of one MessagePack type was found where another was expected.
        public static var typeMismatch: Self { .init(.typeMismatch) }
        /// A number does not fit the requested Swift type.
        public static var valueOutOfRange: Self { .init(.valueOutOfRange) }
        /// A value could not be encoded.
        public static var encodingFailed: Self { .init(.encodingFailed) }
        /// A value could not be decoded into the requested type.
        public static var decodingFailed: Self { .init(.decodingFailed) }
        /// A peer sent a message that is valid on the wire but not allowed at this point of the conversation.
        public static var protocolViolation: Self { .init(.protocolViolation) }
        /// A system call failed; the cause is the `Errno` it set.
        public static var systemCallFailed: Self { .init(.systemCallFailed) }
        /// The channel to a peer is closed.
        public static var channelClosed: Self { .init(.channelClosed) }
        /// A child process could not be started.
        public static var spawnFailed: Self { .init(.spawnFailed) }
        /// A peer did not complete the handshake (wrong cookie, wrong version, or silence).
        public static var handshakeFailed: Self { .init(.handshakeFailed) }
        /// An actor process died: it was killed by a signal or exited while work was in flight.
        public static var actorCrashed: Self { .init(.actorCrashed) }
        /// A host whose agent had joined this head was lost: it fell silent past the heartbeat limit, or its agent's
        /// connection closed or failed. The message names the host and the reason; it is said once per host.
        public static var hostLost: Self { .init(.hostLost) }
        /// A process started as an actor reached for a nursery, a pool or a spawn without having called
        /// ``Tractor/bootstrap(jobs:configuration:)`` first: call it as the first statement of `main`.
        public static var notBootstrapped: Self { .init(.notBootstrapped) }
        /// The runtime of this process could not start: its private socket directory could not be made (`TMPDIR`
        /// names a directory that is missing or not writable) or its I/O thread could not (the process is out of
        /// descriptors). The message says which; the cause is the system call's error. Nothing in this process can
        /// start or reach an actor; fix the environment and start the program again.
        public static var runtimeUnavailable: Self { .init(.runtimeUnavailable) }
        /// The actor does not enable a job of that name.
        public static var unknownJob: Self { .init(.unknownJob) }
        /// No actor of that name is registered.
        public static var unknownActor: Self { .init(.unknownActor) }
        /// The operation was cancelled.
        public static var cancelled: Self { .init(.cancelled) }
        /// The operation did not complete within its time limit.
        public static var timedOut: Self { .init(.timedOut) }
        /// An argument is out of its allowed range.
        public static var invalidArgument: Self { .init(.invalidArgument) }
        /// The scope that owned the handle has ended, or is shutting down.
        public static var scopeClosed: Self { .init(.scopeClosed) }

        /// The code's name, such as `truncatedData`.
        public var description: String { storage.rawValue }
    }
}
