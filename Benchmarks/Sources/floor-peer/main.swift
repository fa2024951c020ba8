//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import FloorPeer

// The floor's peer, linked against the Swift runtime's shared libraries, as a worker usually is. With `HOST PORT`, it
// connects there over TCP instead of answering on its standard input and output.
if CommandLine.arguments.count == 3, let port = UInt16(CommandLine.arguments[2]) {
    runFloorPeer(connectingTo: CommandLine.arguments[1], port: port)
}
runFloorPeer()
