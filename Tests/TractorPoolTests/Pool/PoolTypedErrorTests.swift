//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import PoolWorkerJobs
import Testing
import TractorPool

extension PoolSpawningTests {
    /// A job's declared error type reaches `submit` and `map` callers as itself, with the worker and the input index.
    @Suite(.timeLimit(.minutes(5)))
    struct PoolTypedErrorTests {
        @Test func aSubmittedJobsDeclaredErrorIsCaughtByItsType() async throws {
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let future = try await pool.submit(BuiltinJobs.rejectNegative, -4)
                    let error = await #expect(throws: RejectedInput.self) { try await future.value }
                    #expect(error?.value == -4)
                    #expect(error?.remote?.job == "reject-negative")
                    #expect(error?.remote?.inputIndex == nil)
                    let workers = try await pool.bindings.map(\.pid)
                    #expect(workers.contains(error?.remote?.source.pid ?? 0), "\(workers)")
                    #expect(try await pool.submit(BuiltinJobs.rejectNegative, 4).value == 4)
                }
            }
        }

        @Test(arguments: [1, 4, nil] as [Int?])
        func aMapsDeclaredErrorNamesTheInputThatFailed(chunkSize: Int?) async throws {
            var inputs = Array(0..<40)
            inputs[13] = -13
            let (delivered, error) = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    var delivered: [Int] = []
                    do {
                        let values = pool.map(BuiltinJobs.rejectNegative, over: inputs, chunkSize: chunkSize)
                        for try await value in values {
                            delivered.append(value)
                        }
                        return (delivered, nil as RejectedInput?)
                    } catch let error as RejectedInput {
                        return (delivered, error)
                    }
                }
            }
            #expect(delivered == Array(0..<13))
            #expect(error?.value == -13)
            #expect(error?.remote?.inputIndex == 13)
            #expect(error?.remote?.description.contains("for input 13") == true)
        }

        @Test func anUndeclaredErrorOfAMapStaysBoxedWithItsIndex() async throws {
            var inputs = Array(0..<30)
            inputs[21] = -1
            let error = try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    await #expect(throws: RemoteActorError.self) {
                        for try await _ in pool.map(BuiltinJobs.failOnNegative, over: inputs, chunkSize: 4) {}
                    }
                }
            }
            #expect(error?.inputIndex == 21)
            #expect(error?.isRemote("BuiltinJobError") == true)
        }

        @Test func aCallerThatDoesNotDeclareTheTypeGetsItsNameBoxed() async throws {
            // The caller's job of that name declares nothing: the worker's typed error arrives by name.
            let undeclared = Job("reject-negative") { (value: Int) in value }
            try await PoolTesting.checkingLeaks {
                try await withProcessPool(configuration: PoolTesting.configuration()) { pool in
                    let error = await #expect(throws: RemoteActorError.self) {
                        try await pool.submit(undeclared, -2).value
                    }
                    #expect(error?.typeName == "PoolWorkerJobs.RejectedInput")
                    #expect(error?.message == "rejected negative input -2")
                }
            }
        }
    }
}
