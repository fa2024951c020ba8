//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The worker the runtime benchmarks spawn (a benchmark binary cannot be re-executed as a worker).

import BenchmarkJobs
import Glibc
import TractorRuntime

try await Tractor.bootstrap(jobs: BenchmarkJobs.all)
let message = "bench-worker serves benchmark jobs only when spawned by a nursery\n"
_ = message.withCString { write(2, $0, strlen($0)) }
exit(64)
