//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc
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
            writeToStandardError("primes: cannot start: \(error)\n")
            exit(70)
        }
        await PrimesCommand.main()
    }
}

/// Writes `text` to standard error as it is (the example imports no Foundation, so that its workers load none).
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var written = 0
        while written < bytes.count {
            let count = write(STDERR_FILENO, bytes.baseAddress! + written, bytes.count - written)
            if count <= 0 { return }
            written += count
        }
    }
}
