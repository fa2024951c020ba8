//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Synchronization

/// How a spawned child applies the CPU and memory binding its parent asked for.
///
/// The runtime knows nothing of topology; the pool module installs the function that binds (through hwloc and
/// libnuma) before its workers bootstrap. A child asked to bind with no function installed refuses to start, with an
/// error saying so, rather than run unbound unawares.
package enum BindingHook {
    private static let installed = Mutex<(@Sendable (BindingSpec) throws -> Void)?>(nil)

    /// Installs the binding function.
    package static func install(_ apply: @escaping @Sendable (BindingSpec) throws -> Void) {
        installed.withLock { $0 = apply }
    }

    /// Applies `binding` in this process.
    package static func apply(_ binding: BindingSpec) throws {
        guard let apply = installed.withLock({ $0 }) else {
            throw TractorError(
                .spawnFailed,
                "this process was asked to bind to CPUs \(binding.cpus) but cannot bind: link TractorPool and call its "
                    + "bootstrap, or spawn it without a binding"
            )
        }
        try apply(binding)
    }
}
