//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool
import TractorTestSupport

extension PoolSpawningTests {
    /// In `ps` and `/proc`, a pool's workers say which worker of the pool they are.
    @Suite(.timeLimit(.minutes(3)))
    struct PoolTitleTests {
        @Test func workersAreTitledWithTheirIndexAndThePoolsSize() async throws {
            let program = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration(.workers(2))) { pool in
                    let bindings = try await pool.bindings
                    #expect(bindings.count == 2)
                    for binding in bindings {
                        let pid = binding.pid
                        #expect(ProcessInspection.commandName(of: pid) == "pool-worker \(binding.workerID)")
                        let title = "\(program): pool-worker \(binding.workerID) of 2"
                        #expect(ProcessInspection.commandLine(of: pid) == [title])
                        #expect(ProcessInspection.executableName(of: pid) == "pool-worker")
                    }
                }
            }
        }
    }
}
