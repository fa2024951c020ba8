//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc

/// A listening Unix socket: every actor has one, where its children connect back and its peers reach it.
///
/// Accepted connections become ``Channel``s handed to `onAccept` on the loop thread.
package final class Listener: IOHandler {
    package let path: String
    private let fd: CInt
    private let loop: IOLoop
    private let maximumFrameSize: Int
    private let onAccept: @Sendable (Channel) -> Void
    private let onRefusal: @Sendable (TractorError) -> Void
    /// A descriptor kept open to be given up when the process runs out of them (`EMFILE`), so that a pending
    /// connection can be accepted and closed instead of waiting in the backlog with the loop spinning on it.
    nonisolated(unsafe) private var spare: CInt

    /// Binds and listens at `path` (in a private directory), then starts accepting.
    package init(
        path: String,
        maximumFrameSize: Int,
        loop: IOLoop = .shared,
        onRefusal: @escaping @Sendable (TractorError) -> Void = { _ in },
        onAccept: @escaping @Sendable (Channel) -> Void
    ) throws(TractorError) {
        let fd = try sys_socket_unix()
        do {
            // The largest backlog the kernel allows (net.core.somaxconn caps it): children connect back in bursts.
            try sys_bind_listen(fd, path: path, backlog: CInt(SOMAXCONN))
        } catch {
            sys_close(fd)
            throw error
        }
        self.fd = fd
        self.path = path
        self.loop = loop
        self.maximumFrameSize = maximumFrameSize
        self.onAccept = onAccept
        self.onRefusal = onRefusal
        self.spare = sys_open_spare_descriptor()
        loop.execute { [self] in
            do {
                try loop.register(fd, events: EPOLLIN.rawValue, handler: self)
            } catch {
                loop.closeAndForget(fd)
            }
        }
    }

    /// On the loop thread (so `spare` is touched by one thread only).
    package func handleEvents(_ events: UInt32) {
        acceptPending(on: fd, spare: &spare, refused: onRefusal) { client in
            onAccept(Channel(fd: client, maximumFrameSize: maximumFrameSize, loop: loop))
        }
    }

    /// Stops accepting and removes the socket file.
    package func close() {
        sys_unlink(path)
        loop.execute { [self] in
            loop.closeAndForget(fd)
            if spare >= 0 { sys_close(spare) }
            spare = -1
        }
    }
}
