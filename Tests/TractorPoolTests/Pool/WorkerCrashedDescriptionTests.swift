//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

@Suite struct WorkerCrashedDescriptionTests {
    @Test func localizedDescriptionIsTheDescription() {
        let crash = WorkerCrashed(workerID: 1, pid: 4_242, status: TerminationStatus(.signaled(9)), job: "render")
        #expect(crash.localizedDescription == crash.description)
        #expect(crash.description.hasPrefix("WorkerCrashed: worker 1 (pid 4242) was killed by signal 9"))
    }
}
