//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension Portal {
    /// The channel under the portal's connection, for fault injection in tests (``Channel/injectWriteFailure(afterFrames:)``,
    /// ``Channel/injectDisconnection()``). Not API.
    package var channelForFaultInjection: Channel { connection.channel }
}
