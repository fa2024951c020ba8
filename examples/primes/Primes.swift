//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

/// Trial division by 2 and the odd numbers up to the square root.
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

/// The job the actor processes serve.
let isPrimeJob = Job("is_prime") { (n: Int) in isPrime(n) }

/// The concurrent primes example: which of six large numbers are prime, checked by a process pool with one pinned
/// worker per core.
///
/// Every worker is this same binary, re-executed; `Tractor.bootstrap` makes it serve `is_prime` instead of running
/// `main` again. `map` reads the numbers lazily and yields the results in input order; leaving the pool's scope
/// stops and reaps every worker.
@main
struct Primes {
    static let numbers = [
        112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_293,
        115_280_095_190_773, 115_797_848_077_099, 1_099_726_899_285_419,
    ]

    static func main() async throws {
        try await Tractor.bootstrap(jobs: [isPrimeJob])

        try await withProcessPool(placement: .perCore) { pool in
            var index = 0
            for try await prime in pool.map(isPrimeJob, over: numbers) {
                print("\(numbers[index]) is prime: \(prime)")
                index += 1
            }
        }
    }
}
