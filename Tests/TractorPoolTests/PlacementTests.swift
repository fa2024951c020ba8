//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorPool

/// Placement plans on machines described by hand.
@Suite struct PlacementTests {
    /// 2 packages × 2 NUMA nodes × 4 cores × 2 PUs: 16 cores, 32 CPUs; node n holds CPUs 8n..<8n+8.
    let server = Topology.uniform(packages: 2, numaNodesPerPackage: 2, coresPerNUMANode: 4, pusPerCore: 2)

    private func cpus(_ plan: PlacementPlan) -> [String?] {
        plan.workers.map { $0.cpus?.description }
    }

    @Test func perCoreBindsOneWorkerToEachCoresPUs() {
        let plan = Placement.perCore.plan(for: server)
        #expect(plan.warnings.isEmpty)
        #expect(cpus(plan) == (0..<16).map { "\(2 * $0)-\(2 * $0 + 1)" })
        #expect(plan.workers.map(\.index) == Array(0..<16))
        #expect(plan.workers.map(\.numaNode) == (0..<16).map { $0 / 4 })
        #expect(plan.workers.allSatisfy { !$0.bindsMemory && $0.memoryNode == nil })
    }

    @Test func perNUMANodeBindsCPUsAndMemoryToEachNode() {
        let plan = Placement.perNUMANode.plan(for: server)
        #expect(plan.warnings.isEmpty)
        #expect(cpus(plan) == ["0-7", "8-15", "16-23", "24-31"])
        #expect(plan.workers.map(\.numaNode) == [0, 1, 2, 3])
        #expect(plan.workers.map(\.memoryNode) == [0, 1, 2, 3])
        #expect(plan.workers[2].bindingSpec == BindingSpec(cpus: Array(16...23), memoryNode: 2))
    }

    @Test func perPUBindsOneWorkerToEachHardwareThread() {
        let plan = Placement.perPU.plan(for: server)
        #expect(cpus(plan) == (0..<32).map { "\($0)" })
        #expect(plan.workers[9].numaNode == 1)
        #expect(plan.workers[9].bindingSpec == BindingSpec(cpus: [9], memoryNode: nil))
    }

    @Test func workersAreUnboundAndWarnWhenTheyOversubscribe() {
        let four = Placement.workers(4).plan(for: server)
        #expect(cpus(four) == [nil, nil, nil, nil])
        #expect(four.warnings.isEmpty)
        #expect(four.workers.allSatisfy { $0.numaNode == nil && !$0.bindsMemory && $0.bindingSpec == nil })

        let many = Placement.workers(40).plan(for: server)
        #expect(many.workers.count == 40)
        #expect(many.warnings.count == 1)
        #expect(many.warnings.first?.contains("oversubscribe the 32 allowed CPUs") == true)

        let none = Placement.workers(0).plan(for: server)
        #expect(cpus(none) == [nil])
        #expect(none.warnings.count == 1)
    }

    @Test func explicitSetsAreKeptWithinTheAllowedCPUs() throws {
        let machine = Topology.uniform(coresPerNUMANode: 4, pusPerCore: 2, allowedCPUs: CPUSet(0...5))
        let plan = Placement.explicit([CPUSet(0...1), CPUSet(4...7), CPUSet(6...7)]).plan(for: machine)
        #expect(cpus(plan) == ["0-1", "4-5", nil])
        #expect(plan.workers.map(\.numaNode) == [0, 0, nil])
        #expect(plan.warnings.count == 2)
        #expect(plan.warnings[0] == "worker 1: CPUs 6-7 are outside the allowed CPUs (0-5); it is bound to 4-5")
        #expect(plan.warnings[1] == "worker 2: CPUs 6-7 are all outside the allowed CPUs (0-5); it runs unbound")
    }

    @Test func explicitSetsSpanningNodesHaveNoNode() {
        let plan = Placement.explicit([CPUSet(6...9), CPUSet(8...9)]).plan(for: server)
        #expect(plan.workers.map(\.numaNode) == [nil, 1])
        #expect(plan.warnings.isEmpty)
    }

    @Test func moreExplicitWorkersThanAllowedCoresRunUnbound() {
        let machine = Topology.uniform(coresPerNUMANode: 4, allowedCPUs: CPUSet(0...1))
        let plan = Placement.explicit([[0], [1], [0]]).plan(for: machine)
        #expect(cpus(plan) == [nil, nil, nil])
        #expect(plan.warnings == ["3 workers for 2 allowed cores would oversubscribe them; all workers run unbound"])
    }

    @Test func aRestrictedAllowedSetShrinksEveryPlan() {
        // CPUs 3-9: half of core 1, all of cores 2-3, and half of core 4 (which is on node 1).
        let machine = server.restricted(to: CPUSet(3...9))
        #expect(cpus(Placement.perCore.plan(for: machine)) == ["3", "4-5", "6-7", "8-9"])
        #expect(Placement.perCore.plan(for: machine).workers.map(\.numaNode) == [0, 0, 0, 1])
        #expect(cpus(Placement.perNUMANode.plan(for: machine)) == ["3-7", "8-9"])
        #expect(cpus(Placement.perPU.plan(for: machine)) == (3...9).map { "\($0)" })
    }

    @Test func aSingleCoreMachineHasOneWorkerPerPolicy() {
        let machine = Topology.uniform(coresPerNUMANode: 1)
        for placement in [Placement.perCore, .perNUMANode, .perPU] {
            let plan = placement.plan(for: machine)
            #expect(cpus(plan) == ["0"], "\(placement)")
            #expect(plan.warnings.isEmpty)
        }
    }

    @Test func aMachineWithoutNUMAIsOneNodeAndBindsNoMemory() {
        let machine = Topology.uniform(
            packages: 2,
            numaNodesPerPackage: 2,
            coresPerNUMANode: 2,
            supportsMemoryBinding: false
        )
        #expect(machine.numaNodes.count == 1)
        #expect(machine.numaNodes[0].osIndex == 0 && machine.numaNodes[0].cpus == CPUSet(0...7))
        let plan = Placement.perNUMANode.plan(for: machine)
        #expect(cpus(plan) == ["0-7"])
        #expect(plan.workers[0].numaNode == 0 && !plan.workers[0].bindsMemory)
        #expect(Placement.perCore.plan(for: machine).workers.allSatisfy { $0.numaNode == 0 })
    }

    @Test func aMachineThatReportsNoNodeIsOneNode() {
        let machine = Topology(
            packages: [],
            numaNodes: [],
            cores: [.init(logicalIndex: 0, cpus: [0]), .init(logicalIndex: 1, cpus: [1])]
        )
        #expect(machine.numaNodes == [.init(osIndex: 0, cpus: [0, 1])])
        #expect(
            Placement.perNUMANode.plan(for: machine).workers == [
                .init(index: 0, cpus: [0, 1], numaNode: 0, bindsMemory: true)
            ]
        )
    }

    @Test func aMachineWithNoAllowedCoreGetsOneUnboundWorker() {
        let machine = server.restricted(to: CPUSet([100]))
        #expect(machine.cores.isEmpty && machine.allowedCPUs.isEmpty)
        for placement in [Placement.perCore, .perNUMANode, .perPU] {
            let plan = placement.plan(for: machine)
            #expect(cpus(plan) == [nil])
            #expect(plan.warnings.count == 1)
        }
    }

    @Test func descriptions() {
        #expect(Placement.perCore.description == "perCore")
        #expect(Placement.workers(3).description == "workers(3)")
        #expect(Placement.explicit([CPUSet(0...1), [4]]).description == "explicit([0-1, 4])")
        #expect(Placement.perCore == .perCore && Placement.perCore != .perPU)
    }
}
