//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

extension Tour {
    /// The pool: `map`, `submit`, `wait` and `completions`, as in Python's concurrent.futures.
    static func pool() async throws {
        let ranges = stride(from: 0, to: 1_000_000, by: 10_000).map { $0..<$0 + 10_000 }

        try await withProcessPool(placement: .perCore) { pool in
            // map: outputs in input order; the input is read lazily, a bounded number of chunks ahead.
            var total = 0
            for try await count in pool.map(countPrimes, over: ranges) { total += count }
            print("primes below 1,000,000:", total)                             // 78498

            // submit: one future per job.
            let future = try await pool.submit(isPrimeJob, 1_099_726_899_285_419, timeout: .seconds(30))
            print(try await future.value)                                       // false

            var futures: [JobFuture<Bool>] = []
            for n in [7, 8, 9, 11] { futures.append(try await pool.submit(isPrimeJob, n)) }
            var found = 0
            for try await done in pool.completions(of: futures) {               // as_completed
                if try await done.value { found += 1 }
            }
            let outcome = await pool.wait(futures, until: .allCompleted)
            print(found, outcome.done.count, outcome.pending.count)             // 2 4 0
        }   // leaving the scope = shutdown(wait: true): every job done, every worker reaped
    }
}
