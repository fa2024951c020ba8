//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import TractorPool

extension Tour {
    /// Pinning: the topology, the placement plans, and where the workers bound themselves.
    static func pinning() async throws {
        let topology = try Topology.current()                   // hwloc, within this process's allowed CPUs
        print(topology.cores.count, "cores, allowed CPUs", topology.allowedCPUs)
        for node in topology.numaNodes {                        // .perNUMANode starts one worker on each, memory bound
            print("NUMA node \(node.osIndex): CPUs \(node.cpus)")
        }

        try await withProcessPool(placement: .perCore) { pool in
            for binding in try await pool.bindings {            // read back by each worker after binding itself
                print("worker \(binding.workerID): CPUs \(binding.cpus!)")
            }
            print(try await pool.bindingReport)                 // like mpirun --report-bindings
        }
    }
}
