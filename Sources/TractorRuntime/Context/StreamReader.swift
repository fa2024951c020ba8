//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The consuming side of one stream direction, as the typed iterators use it: takes a batch of payloads under one
/// lock, hands them out one by one, and reports consumption every eighth of a window so credit flows back while a slow
/// consumer works through a batch.
///
/// Once the stream has ended, every further ``next(as:isolation:)`` returns `nil` again; once it has failed, every
/// further call throws the same error.
@usableFromInline
struct StreamReader {
    private let endpoint: StreamEndpoint
    private let interval: Int
    private var batch = PayloadBatch()
    private var index = 0
    private var unreported = 0

    init(endpoint: StreamEndpoint) {
        self.endpoint = endpoint
        self.interval = endpoint.reportingInterval
    }

    /// The next element, decoded as `T`, or `nil` at the end of the stream.
    @usableFromInline
    mutating func next<T: Decodable>(
        as type: T.Type,
        isolation actor: isolated (any Actor)?
    ) async throws -> T? {
        if index == batch.count {
            if unreported > 0 {
                endpoint.consumed(unreported)
                unreported = 0
            }
            if !batch.isEmpty {
                var finished = PayloadBatch()
                swap(&finished, &batch)
                endpoint.recycle(finished)
            }
            // The batch is empty now, whatever comes next: a call after the end must not index the old one.
            index = 0
            guard let next = try await endpoint.nextBatch(isolation: actor) else { return nil }
            batch = next
            index = 0
        }
        return try take(as: type)
    }

    /// Whether an element is buffered, which ``take(as:)`` returns without waiting.
    @usableFromInline
    var hasBuffered: Bool { index < batch.count }

    /// The next buffered element, decoded as `T`; only where ``hasBuffered``. The iterators take a buffered element
    /// here, synchronously, from their inlinable `next(isolation:)`: every call of an async function costs the
    /// runtime an executor check, which takes a lock in a task that prefers an executor (a nursery's body, a served
    /// job).
    @usableFromInline
    mutating func take<T: Decodable>(as type: T.Type) throws -> T {
        let current = index
        index += 1
        unreported += 1
        if unreported >= interval {
            endpoint.consumed(unreported)
            unreported = 0
        }
        return try batch.withPayload(at: current) { payload in try MessagePackDecoder().decode(T.self, from: payload) }
    }
}
