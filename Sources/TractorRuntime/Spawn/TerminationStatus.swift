//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// How an actor process ended: its exit code, or the signal that killed it. A value, not an error.
///
/// ```swift
/// let outcome = try await portal.cancelActor()
/// if case .signaled(let signal) = outcome.status.kind { print("killed by", TerminationStatus.signalName(signal)) }
/// ```
public struct TerminationStatus: Sendable, Hashable, CustomStringConvertible {
    /// Exit or signal.
    public enum Kind: Sendable, Hashable {
        /// The process called `exit` with this code.
        case exited(Int32)
        /// The process was killed by this signal.
        case signaled(Int32)
    }

    /// Exit or signal.
    public var kind: Kind

    /// Creates a status from its parts.
    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// Decodes a raw `waitpid` status.
    package init(waitStatus status: CInt) {
        let signal = status & 0x7f
        if signal == 0 {
            kind = .exited((status >> 8) & 0xff)
        } else {
            kind = .signaled(signal)
        }
    }

    /// Whether the process exited with code 0.
    public var isSuccess: Bool { kind == .exited(0) }

    /// `"exited with status 3"` or `"killed by signal 9 (SIGKILL)"`.
    public var description: String {
        switch kind {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "killed by signal \(signal) (\(Self.signalName(signal)))"
        }
    }

    /// The conventional name of a signal number, such as `"SIGSEGV"`.
    ///
    /// ```swift
    /// TerminationStatus.signalName(SIGKILL)   // "SIGKILL"
    /// ```
    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGUSR1: "SIGUSR1"
        case SIGSEGV: "SIGSEGV"
        case SIGUSR2: "SIGUSR2"
        case SIGPIPE: "SIGPIPE"
        case SIGALRM: "SIGALRM"
        case SIGTERM: "SIGTERM"
        case SIGXCPU: "SIGXCPU"
        default: "signal \(signal)"
        }
    }
}
