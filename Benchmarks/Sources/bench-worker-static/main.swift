//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// `bench-worker` linked with `-static-stdlib` at a fixed address, the C++ standard library's archive linked in: the
// runtime benchmarks' actor built as the README's lean recipe builds a worker.

import BenchmarkJobs
import Glibc
import TractorRuntime

try await Tractor.bootstrap(jobs: BenchmarkJobs.all)
let message = "bench-worker-static serves benchmark jobs only when spawned by a nursery\n"
_ = message.withCString { write(2, $0, strlen($0)) }
exit(64)
