//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing

extension SpawningTests {
    /// The examples are built with the tests and run here, so none can rot.
    @Suite(.timeLimit(.minutes(3)))
    struct ExampleTests {
        @Test func primesPrintsItsSixLinesInInputOrder() throws {
            let primes = Process()
            primes.executableURL = URL(fileURLWithPath: ProcessTree.buildDirectory + "/primes")
            let output = Pipe()
            primes.standardOutput = output
            try primes.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            primes.waitUntilExit()
            #expect(primes.terminationStatus == 0)
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(lines == [
                "112272535095293 is prime: true",
                "112582705942171 is prime: true",
                "112272535095293 is prime: true",
                "115280095190773 is prime: true",
                "115797848077099 is prime: true",
                "1099726899285419 is prime: false",
            ])
        }
    }
}
