//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

/// Whether `n` is prime, by trial division by 2 and the odd numbers up to its square root.
func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    if n % 2 == 0 { return n == 2 }
    var divisor = 3
    while divisor * divisor <= n {
        if n % divisor == 0 { return false }
        divisor += 2
    }
    return true
}

/// Whether one number is prime: the job of the six-number scene.
let isPrimeJob = Job("is_prime") { (n: Int) in isPrime(n) }

/// How many primes lie in a range: the job of `primes --below N`.
///
/// It checks for cancellation every few thousand numbers, so that a Ctrl-C (which cancels the pool's scope, and so
/// every job running in a worker) stops a worker within milliseconds instead of waiting for the whole range.
let countPrimesJob = Job("count_primes_in_range") { (range: Range<Int>) throws -> Int in
    var count = 0
    var next = range.lowerBound
    while next < range.upperBound {
        try Task.checkCancellation()
        let stop = min(next + 4_096, range.upperBound)
        for n in next..<stop where isPrime(n) { count += 1 }
        next = stop
    }
    return count
}

/// Every job this program's workers serve.
let primesJobs: [any JobDefinition] = [isPrimeJob, countPrimesJob]

/// Splits `0..<limit` into consecutive ranges of `size` numbers (the last one may be shorter).
///
/// ```swift
/// PrimeRanges.split(below: 10, size: 4)   // [0..<4, 4..<8, 8..<10]
/// ```
enum PrimeRanges {
    static func split(below limit: Int, size: Int) -> [Range<Int>] {
        precondition(size > 0, "a range holds at least one number")
        return stride(from: 0, to: limit, by: size).map { start in start..<min(start + size, limit) }
    }

    /// The range size `primes --below` uses when none is given: about 64 ranges per worker, so that the work
    /// spreads evenly and the progress bar moves, and at least 1,000 numbers per range, so that a range costs more
    /// than its round trip.
    static func defaultSize(below limit: Int, workers: Int) -> Int {
        max(1_000, (limit + 64 * workers - 1) / (64 * max(workers, 1)))
    }
}
