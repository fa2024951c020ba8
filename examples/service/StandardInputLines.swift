//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Dispatch
import Glibc
import Synchronization

/// The lines of standard input, without their line ends, as an asynchronous sequence for one task to iterate.
///
/// Each line is read when asked for, on a dispatch queue of its own, never on a thread of Swift's concurrency pool
/// (a read that waits for a person to type would hold one of its few threads). Cancelling the iterating task ends the
/// wait at once with `CancellationError`: the reader waits in `poll` on standard input and on a pipe that the
/// cancellation writes to.
///
/// ```swift
/// for try await line in StandardInputLines() { print(line.count) }
/// ```
struct StandardInputLines: AsyncSequence, Sendable {
    typealias Element = String

    func makeAsyncIterator() -> Iterator {
        Iterator(reader: LineReader(descriptor: STDIN_FILENO))
    }

    struct Iterator: AsyncIteratorProtocol {
        let reader: LineReader

        func next() async throws -> String? {
            try await reader.next()
        }
    }
}

/// Reads lines from a descriptor on a queue of its own; see ``StandardInputLines``.
final class LineReader: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var ended = false
    }

    private let descriptor: Int32
    private let queue = DispatchQueue(label: "pool-service.standard-input")
    /// Touched on `queue` only; the lock makes that checkable.
    private let state = Mutex(State())
    /// A pipe whose reading end wakes the `poll` when the iterating task is cancelled.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        (wakeRead, wakeWrite) = (ends[0], ends[1])
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    /// The next line; `nil` at the end of the input.
    func next() async throws -> String? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String?, any Error>) in
                queue.async { continuation.resume(with: Result { try self.readLine() }) }
            }
        } onCancel: {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    /// Reads until a whole line is buffered, the input ends, or the wake pipe is written to. Runs on `queue`.
    private func readLine() throws -> String? {
        while true {
            let line = state.withLock { state -> String?? in
                if let end = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: state.pending[..<end], as: UTF8.self)
                    state.pending.removeSubrange(...end)
                    return .some(line)
                }
                guard state.ended else { return nil }
                defer { state.pending.removeAll() }
                return .some(state.pending.isEmpty ? nil : String(decoding: state.pending, as: UTF8.self))
            }
            if let line { return line }
            var descriptors = [
                pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw LineReaderError(call: "poll", errno: errno)
            }
            if descriptors[1].revents != 0 { throw CancellationError() }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw LineReaderError(call: "read", errno: errno)
            }
            state.withLock { state in
                if count == 0 { state.ended = true } else { state.pending += buffer[..<count] }
            }
        }
    }
}

/// Reading standard input failed.
struct LineReaderError: Error, CustomStringConvertible {
    var call: String
    var errno: Int32

    var description: String { "cannot read standard input: \(call) failed with errno \(errno)" }
}
