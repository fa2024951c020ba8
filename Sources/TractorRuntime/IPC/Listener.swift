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

    /// Binds and listens at `path` (in a private directory), then starts accepting.
    package init(
        path: String,
        maximumFrameSize: Int,
        loop: IOLoop = .shared,
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
        loop.execute { [self] in
            do {
                try loop.register(fd, events: EPOLLIN.rawValue, handler: self)
            } catch {
                loop.closeAndForget(fd)
            }
        }
    }

    package func handleEvents(_ events: UInt32) {
        while true {
            guard let client = try? sys_accept(fd) else { return }
            onAccept(Channel(fd: client, maximumFrameSize: maximumFrameSize, loop: loop))
        }
    }

    /// Stops accepting and removes the socket file.
    package func close() {
        sys_unlink(path)
        loop.execute { [self] in loop.closeAndForget(fd) }
    }
}
