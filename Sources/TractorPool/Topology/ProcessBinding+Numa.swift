//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

// The only file that imports CNuma.
import CNuma

/// Whether the kernel supports NUMA policies, asked once per process. The corresponding C function is
/// `numa_available`.
private let numaAvailable: Bool = numa_available() != -1

extension ProcessBinding {
    /// Whether the host supports NUMA memory policies (`numa_available()` does not fail). Without it the machine is
    /// one node, node 0, and binding memory to it changes nothing.
    static var numaIsAvailable: Bool { numaAvailable }
}
