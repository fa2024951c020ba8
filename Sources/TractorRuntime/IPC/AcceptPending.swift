//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Glibc

/// Accepts every connection pending on the listening socket `fd`, handing each to `accept`, until none is left or
/// `keepGoing` says stop. On a listener's loop thread.
///
/// When `accept` fails because the process is out of descriptors, the connection would wait in the backlog and the
/// loop would be woken for it again and again: the listener's `spare` descriptor is given up to accept the connection
/// and close it (its peer sees the end of its connection), taken back, and `refused` hears of it.
func acceptPending(
    on fd: CInt,
    spare: inout CInt,
    while keepGoing: () -> Bool = { true },
    refused: (TractorError) -> Void,
    _ accept: (CInt) -> Void
) {
    while keepGoing() {
        let client: CInt?
        do {
            client = try sys_accept(fd)
        } catch {
            let exhausted = (error.cause as? Errno).map { $0.rawValue == EMFILE || $0.rawValue == ENFILE } ?? false
            guard exhausted else { return }
            if spare >= 0 { sys_close(spare) }
            if let client = try? sys_accept(fd) { sys_close(client) }
            spare = sys_open_spare_descriptor()
            refused(error)
            return
        }
        guard let client else { return }
        accept(client)
    }
}
