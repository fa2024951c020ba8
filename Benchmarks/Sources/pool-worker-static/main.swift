//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The pool benchmarks' worker linked with `-static-stdlib`: the jobs `pool-worker` serves, with no shared Swift
// library to find, load and relocate at start-up. A user's worker is built the same way (see the README's notes on
// start-up): the linker flag on its executable target, or `swift build -c release --static-swift-stdlib`.

import Glibc
import PoolWorkerJobs
import TractorRuntime

try await Tractor.bootstrap(jobs: BuiltinJobs.all)
let message = "pool-worker-static serves the pool's jobs only when started by a pool\n"
_ = message.withCString { write(2, $0, strlen($0)) }
exit(64)
