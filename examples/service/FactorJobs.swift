//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

/// The prime factors of `n` (at least 2), smallest first, by trial division.
///
/// It checks for cancellation every 65,536 divisors, so that a pool that cancels its jobs (the `cancel` shutdown
/// behaviour) stops a long factorisation within milliseconds.
func primeFactors(of n: Int) throws -> [Int] {
    var factors: [Int] = []
    var rest = n
    while rest % 2 == 0 {
        factors.append(2)
        rest /= 2
    }
    var divisor = 3
    var sinceCheck = 0
    while divisor <= rest / divisor {
        if rest % divisor == 0 {
            factors.append(divisor)
            rest /= divisor
        } else {
            divisor += 2
        }
        sinceCheck += 1
        if sinceCheck == 65_536 {
            sinceCheck = 0
            try Task.checkCancellation()
        }
    }
    if rest > 1 { factors.append(rest) }
    return factors
}

/// The job the workers serve: the prime factors of a number.
let factorizeJob = Job("factorize") { (n: Int) throws -> [Int] in try primeFactors(of: n) }

/// Every job this program's workers serve.
let serviceJobs: [any JobDefinition] = [factorizeJob]
