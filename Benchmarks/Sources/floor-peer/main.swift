//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import FloorPeer

// The floor's peer, linked against the Swift runtime's shared libraries, as a worker usually is.
runFloorPeer()
