//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ServiceLifecycle
import TractorPool

/// Answers the numbers read from standard input, one per line, with their prime factors, computed by the pool.
///
/// Up to `maximumInFlight` requests are answered at once, each by a job submitted to the pool; an answer is printed
/// when it is ready, so a quick one may overtake a slow one (each answer names its number). On graceful shutdown the
/// service reads no more input and returns once the requests it has read are answered; the pool service, listed
/// before it in the group, drains after that.
struct RequestService: Service {
    let pool: PoolService
    let maximumInFlight: Int

    func run() async throws {
        try await pool.withPool { pool in
            try await withThrowingTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for try await line in StandardInputLines().cancelOnGracefulShutdown() {
                    if inFlight == maximumInFlight {
                        try await group.next()
                        inFlight -= 1
                    }
                    group.addTask { await Self.answer(line, pool: pool) }
                    inFlight += 1
                }
                try await group.waitForAll()
            }
        }
    }

    /// Answers one request: its number's factorisation, or why there is none.
    static func answer(_ line: String, pool: ProcessPool) async {
        let text = String(line.filter { !$0.isWhitespace })
        if text.isEmpty { return }
        guard let n = Int(text) else {
            emit("\(text): not a number")
            return
        }
        guard n >= 2 else {
            emit("\(n): has no prime factors")
            return
        }
        do {
            let factors = try await pool.submit(factorizeJob, n).value
            emit(factors.count == 1 ? "\(n) is prime" : "\(n) = " + factors.map(String.init).joined(separator: " × "))
        } catch is CancellationError {
            emit("\(n): cancelled")
        } catch {
            emit("\(n): failed: \(error)")
        }
    }

    static func emit(_ line: String) {
        Output.line(line)
    }
}
