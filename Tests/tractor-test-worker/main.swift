//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The worker executable of the integration tests: serves the test jobs (a test runner cannot be re-executed as a
// worker, since it would run the tests again). Run by hand as `tractor-test-worker hold-tree DIR N`, it is a root that
// builds a two-level tree (a holder actor with N daemons below it), records every pid in DIR and waits to be killed.

import Foundation
import TractorRuntime
import TractorTestJobs

try await Tractor.bootstrap(jobs: TestJobs.all)

let arguments = CommandLine.arguments
guard arguments.count == 4, arguments[1] == "hold-tree", let breadth = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: tractor-test-worker hold-tree DIRECTORY DAEMONS\n".utf8))
    exit(64)
}
_ = FileManager.default.createFile(atPath: arguments[2] + "/\(getpid())", contents: nil)
try await withActorNursery { nursery in
    let input = TreeInput(depth: 1, breadth: breadth, failLeaves: false, pidDirectory: arguments[2])
    _ = try await nursery.runInActor(TestJobs.holdDaemons, input, name: "holder")
}
