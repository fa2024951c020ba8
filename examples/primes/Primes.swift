//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import ArgumentParser

/// The primes example: tells which of six large numbers are prime.
///
/// This first version checks the numbers in this process; it moves onto a per-core `TractorPool` as soon as the pool
/// exists, keeping its output the same.
@main
struct Primes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tells which of the concurrent.futures documentation's six numbers are prime.",
        discussion: "Example: swift run -c release primes"
    )

    static let numbers = [
        112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_293,
        115_280_095_190_773, 115_797_848_077_099, 1_099_726_899_285_419,
    ]

    func run() throws {
        for n in Self.numbers {
            print("\(n) is prime: \(isPrime(n))")
        }
    }
}

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
