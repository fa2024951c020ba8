//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The jobs one side of a connection serves, and who serves them.
package struct JobTable: Sendable {
    package var actor: ActorID
    package var jobs: [String: ErasedJob]

    package init(actor: ActorID, jobs: [String: ErasedJob]) {
        self.actor = actor
        self.jobs = jobs
    }
}
