//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// A connected byte stream under a ``Channel``: bytes in, bytes out, close, and readiness reported on the thread of
/// one ``IOLoop``.
///
/// A transport knows nothing of frames or messages. Its readiness drives its ``TransportHandler`` (the channel) on
/// the loop thread, level-triggered: the handler hears ``TransportHandler/transportReadable()`` while bytes (or the
/// end of the stream) wait to be read, and ``TransportHandler/transportWritable()`` while it asked for it with
/// ``setWritableInterest(_:)`` and the transport can take more bytes.
///
/// Threads: ``read(into:)``, ``setWritableInterest(_:)`` and ``close()`` run on the loop thread. ``write(_:)`` runs on
/// any thread, one writer at a time, and never concurrently with ``close()``: the channel sees to both, so that a
/// descriptor is never closed (and reused) under a write.
///
/// Implementations: ``SocketTransport`` (a connected stream socket: a Unix socket between the processes of a machine,
/// or a TCP connection to another host, authenticated before its channel reads a frame), ``MemoryTransport`` (a
/// connected pair in one process, for protocol tests). Nothing above a transport knows which one it runs on.
package protocol Transport: AnyObject, Sendable {
    /// The loop whose thread reports this transport's readiness.
    var loop: IOLoop { get }

    /// Starts reporting readiness to `handler`, on the loop thread, until ``close()``. Called on any thread, once;
    /// or again, to hand it over to a new handler (the authentication of a TCP connection hands it over to its
    /// channel).
    func start(_ handler: any TransportHandler)

    /// Reads what has arrived, at most `buffer.count` bytes, without blocking. Loop thread.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportRead

    /// Writes a prefix of `bytes` (possibly all, possibly none) without blocking. Any thread, one writer at a time.
    func write(_ bytes: UnsafeRawBufferPointer) -> TransportWrite

    /// Whether the handler wants to hear when more bytes can be written. Loop thread.
    func setWritableInterest(_ interested: Bool)

    /// Closes the transport: the handler hears nothing more, the peer reads the end of the stream. Loop thread;
    /// closing twice does nothing.
    func close()
}

/// What the owner of a ``Transport`` hears, on the loop thread.
package protocol TransportHandler: AnyObject, Sendable {
    /// Bytes, or the end of the stream, or an error, wait to be read.
    func transportReadable()
    /// The transport can take more bytes (asked for with ``Transport/setWritableInterest(_:)``).
    func transportWritable()
}

/// What one ``Transport/read(into:)`` did.
package enum TransportRead: Sendable {
    /// This many bytes (more than zero) were read.
    case bytes(Int)
    /// Nothing has arrived yet.
    case wouldBlock
    /// The peer closed its side: nothing more will arrive.
    case endOfStream
    /// Reading failed; the connection is lost.
    case failed(TractorError)
}

/// What one ``Transport/write(_:)`` did.
package enum TransportWrite: Sendable {
    /// This many bytes (possibly fewer than offered, possibly zero) were taken.
    case wrote(Int)
    /// The transport takes nothing more now; the handler hears when it does, if it asked.
    case wouldBlock
    /// Writing failed; the connection is lost.
    case failed(TractorError)
}
