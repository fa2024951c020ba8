//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
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

/// The concurrent primes example: which of six large numbers are prime, checked in one actor process per core.
///
/// Every actor is this same binary, re-executed; `Tractor.bootstrap` makes it serve `is_prime` instead of running
/// `main` again. The results print in input order.
@main
struct Primes {
    static let numbers = [
        112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_293,
        115_280_095_190_773, 115_797_848_077_099, 1_099_726_899_285_419,
    ]

    static func main() async throws {
        try await Tractor.bootstrap(jobs: [isPrimeJob])

        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, numbers.count))
        let results = try await withActorNursery { nursery in
            var portals: [Portal] = []
            for index in 0..<workers {
                portals.append(try await nursery.startActor("primes-\(index)", jobs: [isPrimeJob]))
            }
            return try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for (index, n) in numbers.enumerated() {
                    let portal = portals[index % portals.count]
                    group.addTask { (index, try await portal.run(isPrimeJob, n)) }
                }
                var results = [Bool](repeating: false, count: numbers.count)
                for try await (index, prime) in group { results[index] = prime }
                return results
            }
        }
        for (n, prime) in zip(numbers, results) {
            print("\(n) is prime: \(prime)")
        }
    }
}
