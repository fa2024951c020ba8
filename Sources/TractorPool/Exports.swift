//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// A pool user writes `import TractorPool` and gets jobs, bootstrap and nurseries with it.
@_exported import TractorRuntime
