//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Logging

/// Settings of TCP connections between hosts: how a lost peer is noticed, how long connecting and authenticating
/// may take, and where the shared secret comes from.
///
/// Every connection, accepted or made, has `TCP_NODELAY` set (frames leave at once; the channel batches them
/// itself) and TCP keepalive on. A peer whose host vanished without a word is noticed by keepalive when the
/// connection is idle (after ``keepaliveIdle`` plus ``keepaliveCount`` unanswered probes ``keepaliveInterval``
/// apart: 8 seconds by default) and by ``userTimeout`` when bytes sent go unacknowledged; either way the connection's
/// channel closes with `.channelClosed`, as when the peer closes it.
///
/// ```swift
/// var configuration = TCPConfiguration()
/// configuration.userTimeout = .seconds(30)      // a slow, lossy link
/// configuration.secretFile = "/run/tractor/secret"
/// let listener = try await ActorRuntime.shared.listenTCP(on: "[::]:7000", configuration: configuration)
/// ```
package struct TCPConfiguration: Sendable {
    /// How long a connection may be idle before the first keepalive probe (`TCP_KEEPIDLE`, whole seconds, at
    /// least 1). Default 5 seconds.
    package var keepaliveIdle: Duration = .seconds(5)
    /// The time between keepalive probes (`TCP_KEEPINTVL`, whole seconds, at least 1). Default 1 second.
    package var keepaliveInterval: Duration = .seconds(1)
    /// How many unanswered probes close the connection (`TCP_KEEPCNT`, 1 to 127). Default 3.
    package var keepaliveCount: Int = 3
    /// How long sent bytes may stay unacknowledged before the connection is closed (`TCP_USER_TIMEOUT`,
    /// milliseconds). Default 10 seconds. It bounds connecting too.
    package var userTimeout: Duration = .seconds(10)
    /// How long connecting may take, all resolved addresses together. Default 10 seconds.
    package var connectTimeout: Duration = .seconds(10)
    /// How long the authentication of a new connection may take, on either side: a peer that has not proved it
    /// holds the secret by then is dropped. Default 10 seconds.
    package var authenticationTimeout: Duration = .seconds(10)
    /// How many accepted connections a listener authenticates at once; one beyond that is closed at once, so that a
    /// flood of silent connections cannot hold descriptors for long. Default 128.
    package var maximumPendingAuthentications: Int = 128
    /// The socket's send buffer (`SO_SNDBUF`), or `nil` for the kernel's default (auto-tuned). Default `nil`.
    package var sendBufferSize: Int?
    /// The socket's receive buffer (`SO_RCVBUF`), or `nil` for the kernel's default (auto-tuned). Default `nil`.
    package var receiveBufferSize: Int?
    /// How often a head asks each host agent that joined it whether it is alive (the agent's `heartbeat` job).
    /// Only a listener for agents uses it. Default 1 second.
    package var heartbeatInterval: Duration = .seconds(1)
    /// How long a head waits without hearing a host agent answer a heartbeat before it declares the host lost; the
    /// agent learns it from the heartbeats and gives up on a head it has not heard for as long. Only a listener for
    /// agents uses it. Default 5 seconds.
    package var hostSilenceLimit: Duration = .seconds(5)
    /// A file holding the shared secret (see ``TractorSecret``), or `nil` to read it from the `TRACTOR_SECRET`
    /// environment variable. Default `nil`.
    package var secretFile: String?
    /// Where the runtime's TCP entries log refused connections (at `warning`) and the like, or `nil` for the
    /// process's logger. Default `nil`. Nothing logged ever holds the secret.
    package var logger: Logger?

    /// The default configuration.
    package init() {}

    /// Sets the options of a connected (or connecting) socket.
    ///
    /// - Throws: ``TractorError`` `.systemCallFailed` naming the option the kernel refused; `.invalidArgument` for
    ///   a keepalive count out of range.
    func applyConnectionOptions(to fd: CInt) throws(TractorError) {
        guard (1...127).contains(keepaliveCount) else {
            throw TractorError(.invalidArgument, "keepaliveCount is \(keepaliveCount); it must be from 1 to 127")
        }
        let tcp = CInt(IPPROTO_TCP)
        try sys_setsockopt(fd, tcp, TCP_NODELAY, 1, name: "TCP_NODELAY")
        try sys_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, 1, name: "SO_KEEPALIVE")
        try sys_setsockopt(fd, tcp, TCP_KEEPIDLE, Self.seconds(keepaliveIdle), name: "TCP_KEEPIDLE")
        try sys_setsockopt(fd, tcp, TCP_KEEPINTVL, Self.seconds(keepaliveInterval), name: "TCP_KEEPINTVL")
        try sys_setsockopt(fd, tcp, TCP_KEEPCNT, CInt(keepaliveCount), name: "TCP_KEEPCNT")
        try sys_setsockopt(fd, tcp, TCP_USER_TIMEOUT, Self.milliseconds(userTimeout), name: "TCP_USER_TIMEOUT")
        try applyBufferSizes(to: fd)
    }

    /// Sets the buffer sizes, if configured: on a listener before `listen`, so that accepted sockets start with them.
    func applyBufferSizes(to fd: CInt) throws(TractorError) {
        if let sendBufferSize {
            try sys_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, CInt(clamping: sendBufferSize), name: "SO_SNDBUF")
        }
        if let receiveBufferSize {
            try sys_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, CInt(clamping: receiveBufferSize), name: "SO_RCVBUF")
        }
    }

    /// Whole seconds, at least 1 (the kernel's unit and minimum for keepalive times).
    private static func seconds(_ duration: Duration) -> CInt {
        CInt(clamping: max(1, duration.components.seconds))
    }

    /// Milliseconds, at least 1 (0 would mean the system default).
    private static func milliseconds(_ duration: Duration) -> CInt {
        CInt(clamping: max(1, duration.nanosecondsClamped / 1_000_000))
    }
}
