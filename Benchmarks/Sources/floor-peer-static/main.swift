//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import FloorPeer

// The floor's peer, with the Swift standard library linked in (`-static-stdlib`): no shared Swift library to load.
runFloorPeer()
