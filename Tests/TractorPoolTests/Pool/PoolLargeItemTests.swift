//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PoolWorkerJobs
import Testing
import TractorPool

extension PoolSpawningTests {
    /// Items of a MiB each: however fast the job, the pool never packs more of them into one call than a message
    /// holds.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolLargeItemTests {
        static let inputs = (0..<80).map { index in
            String(repeating: Character(UnicodeScalar(UInt8(65 + index % 26))), count: 1 << 20)
        }

        @Test(arguments: [1, nil] as [Int?])
        func aFastMapOfLargeItemsStaysWithinTheMessageLimit(chunkSize: Int?) async throws {
            let matched = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var matched = 0
                    for try await (index, echoed) in pool.map(BuiltinJobs.echo, over: Self.inputs, chunkSize: chunkSize)
                        .indexed()
                    where echoed == Self.inputs[index] {
                        matched += 1
                    }
                    return matched
                }
            }
            #expect(matched == Self.inputs.count)
        }
    }
}
