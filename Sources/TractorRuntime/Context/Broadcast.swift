//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// What a broadcast does when its receivers read at different speeds.
///
/// ```swift
/// try await stream.broadcast(to: 3, policy: .lagging(buffer: 256)) { receivers in … }
/// ```
public struct BroadcastPolicy: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Hashable { case slowestHoldsProducer, lagging }

    let kind: Kind
    /// How many elements each receiver may hold unread.
    public let buffer: Int

    /// The slowest receiver holds the producer: the stream is read on only when every receiver has room in its
    /// buffer, so the remote job's own backpressure reaches it (the stream's credit window then fills). Nothing is
    /// lost. The default, with a buffer of 16.
    public static func slowestHoldsProducer(buffer: Int = 16) -> Self { Self(kind: .slowestHoldsProducer, buffer: buffer) }

    /// Receivers never hold the producer: a receiver that falls more than `buffer` elements behind loses the oldest,
    /// and its next read throws ``BroadcastLagged`` with how many it missed (it can read on after that).
    public static func lagging(buffer: Int = 64) -> Self { Self(kind: .lagging, buffer: buffer) }

    /// `slowest holds producer (buffer 16)` or `lagging (buffer 64)`.
    public var description: String {
        "\(kind == .slowestHoldsProducer ? "slowest holds producer" : "lagging") (buffer \(buffer))"
    }
}

/// A receiver of a broadcast fell behind under ``BroadcastPolicy/lagging(buffer:)`` and lost `missed` elements.
///
/// Thrown by the receiver's iterator in place of the elements it lost; the same iterator reads on after it.
///
/// ```swift
/// var iterator = receiver.makeAsyncIterator()
/// while true {
///     do {
///         guard let tick = try await iterator.next() else { break }
///         draw(tick)
///     } catch let lagged as BroadcastLagged {
///         print("skipped \(lagged.missed) frames")
///     }
/// }
/// ```
public struct BroadcastLagged: Error, Sendable, Hashable, CustomStringConvertible {
    /// How many elements the receiver lost.
    public var missed: Int

    /// A lag of `missed` elements.
    public init(missed: Int) { self.missed = missed }

    public var description: String { "a broadcast receiver fell behind and missed \(missed) elements" }
}

/// One local consumer of a broadcast stream: a single-consumer `AsyncSequence` of every element the stream delivers
/// from the start (or, under ``BroadcastPolicy/lagging(buffer:)``, of those it kept up with).
///
/// Iterate every receiver at once, each from its own task, or ``detach()`` it: under
/// ``BroadcastPolicy/slowestHoldsProducer(buffer:)`` the stream waits for a receiver nobody reads, so a receiver read
/// only after another has finished would wait for ever. A receiver's iterator that is released (a `for` loop left
/// early) detaches it.
///
/// - Important: Valid only inside the `broadcast` closure that handed it out.
public struct BroadcastReceiver<Element: Sendable>: AsyncSequence, Sendable {
    let broadcast: Broadcast<Element>
    let index: Int

    /// Iterates the receiver's elements.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: ReceiverHandle<Element>

        /// The next element; `nil` once the stream has ended or the receiver was detached.
        ///
        /// - Throws: The stream's error; ``BroadcastLagged`` when elements were lost to lag; `CancellationError`
        ///   when the task is cancelled while it waits.
        public mutating func next() async throws -> Element? {
            try await handle.broadcast.next(handle.index)
        }
    }

    /// Makes the iterator (one per receiver).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: ReceiverHandle(broadcast: broadcast, index: index))
    }

    /// Stops this receiver: its unread elements are dropped, the stream no longer waits for it, and its iterator
    /// ends.
    ///
    /// ```swift
    /// receivers[2].detach()   // not interested after all
    /// ```
    public func detach() { broadcast.detach(index) }
}

/// Detaches its receiver when its iterator is released.
final class ReceiverHandle<Element: Sendable>: Sendable {
    let broadcast: Broadcast<Element>
    let index: Int

    init(broadcast: Broadcast<Element>, index: Int) {
        self.broadcast = broadcast
        self.index = index
    }

    deinit { broadcast.detach(index) }
}

extension RemoteStream {
    /// Fans this stream out to `receivers` local consumers, each reading every element at its own pace (tractor's
    /// broadcast receiver): one remote job, several readers, and a policy for the slow ones.
    ///
    /// The stream is read by a task of its own while `body` runs; when `body` returns, reading stops (the remote job
    /// is cancelled when the `openStream` closure returns, as always).
    ///
    /// ```swift
    /// try await daemon.openStream(ticker, 1_000) { stream in
    ///     try await stream.broadcast(to: 2) { receivers in
    ///         async let total = receivers[0].reduce(0, +)
    ///         async let count = receivers[1].reduce(0) { count, _ in count + 1 }
    ///         print(try await total, try await count)
    ///     }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - receivers: How many receivers; at least 1.
    ///   - policy: What happens when receivers read at different speeds. Default: the slowest holds the producer.
    ///   - isolation: The actor `body` runs on; the caller's, by default.
    ///   - body: Consumes the receivers, each from one task.
    /// - Returns: What `body` returns.
    /// - Throws: ``TractorError`` `.invalidArgument` for fewer than 1 receiver or a buffer under 1; `body`'s error;
    ///   else the stream's error if the stream failed before `body` returned (each receiver also throws it), so that
    ///   a failure is never lost.
    public func broadcast<Result: Sendable>(
        to receivers: Int,
        policy: BroadcastPolicy = .slowestHoldsProducer(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([BroadcastReceiver<Element>]) async throws -> Result
    ) async throws -> Result {
        try await Broadcast.run(self, to: receivers, policy: policy, body)
    }
}

extension MsgStream {
    /// Fans the values this context's job sends out to `receivers` local consumers, as
    /// ``RemoteStream/broadcast(to:policy:isolation:_:)`` does for a stream.
    ///
    /// ```swift
    /// try await ctx.stream.broadcast(to: 2, policy: .lagging(buffer: 32)) { receivers in … }
    /// ```
    public func broadcast<Result: Sendable>(
        to receivers: Int,
        policy: BroadcastPolicy = .slowestHoldsProducer(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: ([BroadcastReceiver<Receive>]) async throws -> Result
    ) async throws -> Result {
        try await Broadcast.run(self, to: receivers, policy: policy, body)
    }
}
