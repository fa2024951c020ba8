//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The worker the runtime benchmarks spawn (a benchmark binary cannot be re-executed as a worker).

import BenchmarkJobs
import Foundation
import TractorRuntime

try await Tractor.bootstrap(jobs: BenchmarkJobs.all)
FileHandle.standardError.write(Data("bench-worker serves benchmark jobs only when spawned by a nursery\n".utf8))
exit(64)
