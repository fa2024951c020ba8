//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
import Synchronization

/// An agent's standard input as its launcher's lifeline: the first line is the run's secret, and the end of the
/// input means that the launcher (the `ssh` client, say) has gone.
///
/// A thread of its own reads the input (a blocking read never runs on the cooperative pool).
///
/// ```swift
/// let lifeline = try await StandardInputLifeline.start()
/// try await ActorRuntime.shared.serveAsHostAgent(configuration, secret: lifeline.secret)   // in one task
/// await lifeline.waitForEnd()                                                             // in another
/// ```
package final class StandardInputLifeline: Sendable {
    /// The secret read from the first line.
    package let secret: TractorSecret
    private let end: EndSignal

    private init(secret: TractorSecret, end: EndSignal) {
        self.secret = secret
        self.end = end
    }

    /// Reads the secret from the first line of standard input, then watches the input for its end.
    ///
    /// - Throws: ``TractorError`` `.invalidArgument` when the input ends before a line or the line is not a secret;
    ///   `.systemCallFailed` when the reading thread cannot start.
    package static func start(descriptor: CInt = STDIN_FILENO) async throws -> StandardInputLifeline {
        let end = EndSignal()
        let secret: TractorSecret = try await withCheckedThrowingContinuation { continuation in
            do {
                try sys_thread_start(name: "tractor-stdin") {
                    var line: [UInt8] = []
                    var byte: UInt8 = 0
                    var reachedEnd = false
                    while true {
                        let read = withUnsafeMutableBytes(of: &byte) { sys_read(descriptor, $0) }
                        guard case .success(1) = read else {
                            reachedEnd = true
                            break
                        }
                        if byte == UInt8(ascii: "\n") { break }
                        if line.count < 4096 { line.append(byte) }
                    }
                    if line.isEmpty && reachedEnd {
                        continuation.resume(throwing: TractorError(
                            .invalidArgument,
                            "--secret-stdin: standard input ended before the secret's line; write the secret "
                                + "(64 hexadecimal digits) and a line end to it"
                        ))
                        return
                    }
                    do {
                        continuation.resume(returning: try TractorSecret(encoded: line, source: "standard input"))
                    } catch {
                        continuation.resume(throwing: error)
                        return
                    }
                    // The rest of the input is not read for meaning: only its end counts.
                    var buffer = [UInt8](repeating: 0, count: 512)
                    while !reachedEnd {
                        let read = buffer.withUnsafeMutableBytes { sys_read(descriptor, $0) }
                        if case .success(let count) = read, count > 0 { continue }
                        reachedEnd = true
                    }
                    end.signal()
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        return StandardInputLifeline(secret: secret, end: end)
    }

    /// Returns once standard input has ended (at once if it has), whatever happens to the calling task: race it
    /// against the work it guards in a task group.
    package func waitForEnd() async {
        await end.wait()
    }

    /// Whether standard input has ended.
    package var hasEnded: Bool { end.isSignalled }

    /// Set once, from the reading thread; wakes every waiter.
    private final class EndSignal: Sendable {
        private let state = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        var isSignalled: Bool { state.withLock { $0.done } }

        func signal() {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        func wait() async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if !state.done { state.waiters.append(continuation) }
                    return state.done
                }
                if done { continuation.resume() }
            }
        }
    }
}
