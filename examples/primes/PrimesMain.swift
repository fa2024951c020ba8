//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import TractorPool

/// The entry point of `primes`, the concurrent primes example.
///
/// Every pool worker is this same binary, re-executed with the same arguments: `Tractor.bootstrap` comes first, and
/// in a worker it serves the jobs and never returns, so that only the root goes on to parse its arguments.
@main
enum PrimesMain {
    static func main() async {
        do {
            try await Tractor.bootstrap(jobs: primesJobs)
        } catch {
            FileHandle.standardError.write(Data("primes: cannot start: \(error)\n".utf8))
            exit(70)
        }
        await PrimesCommand.main()
    }
}
