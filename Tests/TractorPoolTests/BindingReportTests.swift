//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Testing
import TractorPool

/// `--report-bindings` lines, character for character.
@Suite struct BindingReportTests {
    @Test func oneWorkerPerCoreOnATwoCoreMachine() {
        let machine = Topology.uniform(coresPerNUMANode: 2, hostname: "vm")
        let report = BindingReport.render(
            [
                WorkerBinding(workerID: 0, pid: 100, cpus: [0], numaNode: 0),
                WorkerBinding(workerID: 1, pid: 101, cpus: [1], numaNode: 0),
            ],
            topology: machine
        )
        #expect(
            report == """
                [vm:100] worker 0 bound to package 0[core 0[PU 0]]: [B/.]
                [vm:101] worker 1 bound to package 0[core 1[PU 1]]: [./B]
                """
        )
    }

    @Test func numaWorkersOnTwoPackagesWithHyperthreads() {
        let machine = Topology.uniform(
            packages: 2,
            numaNodesPerPackage: 2,
            coresPerNUMANode: 2,
            pusPerCore: 2,
            hostname: "big"
        )
        let report = BindingReport.render(
            [
                WorkerBinding(workerID: 0, pid: 7, cpus: CPUSet(0...3), numaNode: 0, memoryBound: true),
                WorkerBinding(workerID: 3, pid: 10, cpus: CPUSet(12...15), numaNode: 3, memoryBound: true),
            ],
            topology: machine
        )
        #expect(
            report == """
                [big:7] worker 0 bound to package 0[core 0[PU 0-1]], package 0[core 1[PU 2-3]]: \
                [BB/BB/../..][../../../..], memory bound to NUMA node 0
                [big:10] worker 3 bound to package 1[core 6[PU 12-13]], package 1[core 7[PU 14-15]]: \
                [../../../..][../../BB/BB], memory bound to NUMA node 3
                """
        )
    }

    @Test func oneHyperthreadAndAnUnboundWorker() {
        let machine = Topology.uniform(coresPerNUMANode: 2, pusPerCore: 2, hostname: "h")
        let report = BindingReport.render(
            [
                WorkerBinding(workerID: 2, pid: 5, cpus: [3]),
                WorkerBinding(workerID: 3, pid: 6, cpus: nil),
            ],
            topology: machine
        )
        #expect(
            report == """
                [h:5] worker 2 bound to package 0[core 1[PU 3]]: [../.B]
                [h:6] worker 3 not bound (OS default)
                """
        )
    }

    @Test func nonContiguousHyperthreadsAndCPUsOutsideTheTopology() {
        // Linux on many x86 servers numbers the second thread of core c as c + (number of cores).
        let machine = Topology(
            hostname: "x86",
            packages: [.init(logicalIndex: 0, cpus: CPUSet(0...3))],
            numaNodes: [.init(osIndex: 0, cpus: CPUSet(0...3))],
            cores: [
                .init(logicalIndex: 0, package: 0, cpus: [0, 2]), .init(logicalIndex: 1, package: 0, cpus: [1, 3]),
            ]
        )
        let report = BindingReport.render([WorkerBinding(workerID: 0, pid: 1, cpus: [0, 2, 9])], topology: machine)
        #expect(report == "[x86:1] worker 0 bound to package 0[core 0[PU 0,2]], PU 9 (outside the topology): [BB/..]")
    }

    @Test func coresWithoutAPackage() {
        let machine = Topology(
            hostname: "arm",
            packages: [],
            numaNodes: [],
            cores: [.init(logicalIndex: 0, cpus: [0]), .init(logicalIndex: 1, cpus: [1])]
        )
        let report = BindingReport.render(
            [WorkerBinding(workerID: 0, pid: 9, cpus: [1], numaNode: 0, memoryBound: true)],
            topology: machine
        )
        #expect(report == "[arm:9] worker 0 bound to core 1[PU 1]: [./B], memory bound to NUMA node 0")
    }

    @Test func noWorkersIsAnEmptyReport() {
        #expect(BindingReport.render([], topology: Topology.uniform(coresPerNUMANode: 1)) == "")
    }
}
