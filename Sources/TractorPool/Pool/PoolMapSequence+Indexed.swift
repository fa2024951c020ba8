//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension PoolMapSequence {
    /// The same outputs, each with the index of its input: what `mapUnordered` needs to say where an output
    /// belongs.
    ///
    /// The index counts the inputs from 0, in the order the map read them. Every index comes exactly once when the
    /// map runs to its end; from `map` they come in order, from `mapUnordered` as the chunks complete.
    ///
    /// ```swift
    /// var thumbnails = [Image?](repeating: nil, count: photos.count)
    /// for try await (index, thumbnail) in pool.mapUnordered(resize, over: photos).indexed() {
    ///     thumbnails[index] = thumbnail
    /// }
    /// ```
    ///
    /// - Returns: An asynchronous sequence of `(index: Int, output: Output)` for one task to iterate.
    public func indexed() -> Indexed {
        Indexed(base: self)
    }

    /// The outputs of a map, each with the index of its input; see ``PoolMapSequence/indexed()``.
    ///
    /// ```swift
    /// for try await (index, output) in pool.mapUnordered(render, over: frames).indexed() { save(output, as: index) }
    /// ```
    ///
    /// - Important: Iterate it inside the pool's scope, from one task.
    public struct Indexed: AsyncSequence {
        /// One output and the index of its input in the map's input.
        public typealias Element = (index: Int, output: Output)
        /// The error of an item, of the map's deadline, or of the pool, as for the map's outputs.
        public typealias Failure = any Error

        let base: PoolMapSequence

        /// Starts the map.
        public func makeAsyncIterator() -> Iterator {
            Iterator(base: base.makeAsyncIterator())
        }

        /// Hands the outputs out with their indices.
        public struct Iterator: AsyncIteratorProtocol {
            @usableFromInline var base: PoolMapSequence.Iterator

            init(base: PoolMapSequence.Iterator) {
                self.base = base
            }

            /// The next output and its input's index, or `nil` at the end.
            ///
            /// - Throws: As ``PoolMapSequence/Iterator/next()``.
            @inlinable
            public mutating func next() async throws -> (index: Int, output: Output)? {
                try await next(isolation: nil)
            }

            /// The next output and its input's index, or `nil` at the end, keeping the caller's isolation.
            @inlinable
            public mutating func next(
                isolation actor: isolated (any Actor)?
            ) async throws(any Error) -> (index: Int, output: Output)? {
                guard let output = try await base.next(isolation: actor) else { return nil }
                return (base.lastInputIndex, output)
            }
        }
    }
}

@available(*, unavailable)
extension PoolMapSequence.Indexed: Sendable {}

@available(*, unavailable)
extension PoolMapSequence.Indexed.Iterator: Sendable {}
