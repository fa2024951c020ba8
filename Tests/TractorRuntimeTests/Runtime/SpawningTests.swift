//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing

/// Every test that spawns actor processes, one at a time: each checks afterwards that no descriptor leaked and no
/// child is left, which only means something when no other spawning test runs beside it.
@Suite(.serialized)
enum SpawningTests {}
