//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The handshakes of the connections a listener accepts, as child tasks of one task group that the runtime owns.
///
/// The listener hands each accepted connection over from the I/O thread. One task, made with the listener and kept by
/// the runtime for as long as it listens (the life of the process), runs a discarding task group over them: each
/// handshake is a child task of that group, never a task of its own, and the group returns only once every handshake
/// begun in it has ended.
final class HandshakeGroup: Sendable {
    private let connections: AsyncStream<Channel>.Continuation
    /// The task that owns the group; it ends once ``close()`` has been called and the handshakes under way have ended.
    let task: Task<Void, Never>

    /// Starts the group.
    ///
    /// - Parameter handshake: Runs the accepting side of one connection's handshake.
    init(handshake: @escaping @Sendable (Channel) async -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: Channel.self)
        connections = continuation
        task = Task {
            await withDiscardingTaskGroup { group in
                for await channel in stream {
                    group.addTask { await handshake(channel) }
                }
            }
        }
    }

    /// Runs `channel`'s handshake in the group; a group that is closed closes the channel instead.
    func accept(_ channel: Channel) {
        if case .terminated = connections.yield(channel) { channel.close() }
    }

    /// Accepts no more connections; the group's task ends once the handshakes under way have ended.
    func close() {
        connections.finish()
    }
}
