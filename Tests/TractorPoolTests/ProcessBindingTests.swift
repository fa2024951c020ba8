//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import Foundation
import Testing
import TractorPool

/// Binding is tried in child processes (exit tests), so that the test process itself is never re-bound.
@Suite(.serialized) struct ProcessBindingTests {
    @Test(.timeLimit(.minutes(1)))
    func bindingToOneCPUCoversEveryThreadOfTheProcess() async throws {
        let before = try ProcessBinding.current()
        let statusBefore = try LinuxFacts.allowedCPUsOfThisProcess()
        await #expect(processExitsWith: .success) {
            let allowed = try Topology.current().allowedCPUs
            let cpu = try #require(allowed.last)
            // A thread that runs before the binding must be re-bound too.
            let started = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                started.signal()
                release.wait()
            }
            started.wait()

            try ProcessBinding.apply(cpus: [cpu], memoryNode: nil)

            let binding = try ProcessBinding.current()
            #expect(binding.cpus == [cpu], "read back CPUs \(binding.cpus), expected \(cpu)")
            let status = try ProcessBinding.allowedCPUs(ofProcess: getpid())
            #expect(status == [cpu], "Cpus_allowed_list is \(status), expected \(cpu)")
            #expect(
                try LinuxFacts.allowedCPUsOfThisProcess() == [cpu],
                "/proc/self/status disagrees with ProcessBinding.allowedCPUs(ofProcess:)"
            )
            let threads = try LinuxFacts.threadIDs()
            #expect(threads.count >= 2, "expected the helper thread to run, found threads \(threads)")
            for thread in threads {
                // A thread of the test library may end between the listing and the read.
                guard let cpus = try? LinuxFacts.allowedCPUs(inStatusFile: "/proc/self/task/\(thread)/status") else {
                    continue
                }
                #expect(cpus == [cpu], "thread \(thread) may run on \(cpus), expected \(cpu)")
            }
            release.signal()
        }
        // The test process itself kept its binding.
        #expect(try ProcessBinding.current() == before)
        #expect(try LinuxFacts.allowedCPUsOfThisProcess() == statusBefore)
    }

    @Test(.timeLimit(.minutes(1)))
    func bindingMemoryToNodeZeroReadsBack() async throws {
        let before = try ProcessBinding.current()
        await #expect(processExitsWith: .success) {
            let topology = try Topology.current()
            try ProcessBinding.apply(cpus: nil, memoryNode: 0)
            let binding = try ProcessBinding.current()
            if topology.supportsMemoryBinding {
                #expect(binding.memoryPolicy == .bind, "memory policy is \(binding.memoryPolicy), expected bind")
                #expect(binding.isMemoryBound, "isMemoryBound is false after binding")
                #expect(binding.memoryNodes == [0], "memory nodes are \(binding.memoryNodes), expected [0]")
            } else {
                #expect(binding.memoryPolicy == .default, "without NUMA support the policy stays default")
            }
            // The CPU mask was left alone.
            #expect(binding.cpus == topology.allowedCPUs, "CPUs changed to \(binding.cpus)")
        }
        #expect(try ProcessBinding.current() == before)
    }

    @Test(.timeLimit(.minutes(1)))
    func bindingBothWithASpawnSpec() async {
        await #expect(processExitsWith: .success) {
            let topology = try Topology.current()
            let worker = try #require(Placement.perNUMANode.plan(for: topology).workers.first)
            let spec = try #require(worker.bindingSpec)
            try ProcessBinding.apply(spec)
            let binding = try ProcessBinding.current()
            #expect(binding.cpus == worker.cpus, "CPUs are \(binding.cpus), expected \(worker.cpus!)")
            #expect(
                binding.isMemoryBound == topology.supportsMemoryBinding,
                "memory bound: \(binding.isMemoryBound), NUMA supported: \(topology.supportsMemoryBinding)"
            )
        }
    }

    @Test func badArgumentsAreRefusedBeforeAnythingIsBound() throws {
        let before = try ProcessBinding.current()
        #expect {
            try ProcessBinding.apply(cpus: CPUSet(), memoryNode: nil)
        } throws: { ($0 as? TractorError)?.code == .invalidArgument }
        #expect {
            try ProcessBinding.apply(cpus: nil, memoryNode: -1)
        } throws: { ($0 as? TractorError)?.code == .invalidArgument }
        #expect {
            try ProcessBinding.apply(cpus: nil, memoryNode: 4095)
        } throws: { ($0 as? TractorError)?.code == .invalidArgument }
        #expect {
            try ProcessBinding.apply(BindingSpec(cpus: [0, UInt32(CPUSet.indexLimit)], memoryNode: nil))
        } throws: { ($0 as? TractorError)?.code == .invalidArgument }
        #expect(try ProcessBinding.current() == before)
    }

    @Test(.timeLimit(.minutes(1)))
    func cpusThatDoNotExistAreRefused() async {
        await #expect(processExitsWith: .success) {
            // No machine here has CPU 100000; the kernel refuses a mask with no usable CPU.
            do throws(TractorError) {
                try ProcessBinding.apply(cpus: [100_000], memoryNode: nil)
                Issue.record("binding to CPU 100000 succeeded")
            } catch {
                #expect(error.code == .invalidArgument, "expected invalidArgument, got \(error)")
            }
        }
    }

    @Test func readsTheAllowedCPUsOfAnotherProcess() throws {
        let parent = getppid()
        #expect(
            try ProcessBinding.allowedCPUs(ofProcess: parent)
                == LinuxFacts.allowedCPUs(inStatusFile: "/proc/\(parent)/status")
        )
        #expect(try ProcessBinding.allowedCPUs(ofProcess: getpid()) == LinuxFacts.allowedCPUsOfThisProcess())
        #expect {
            _ = try ProcessBinding.allowedCPUs(ofProcess: Int32.max)
        } throws: { ($0 as? TractorError)?.code == .systemCallFailed }
    }

    @Test func bindingValuesDescribeAndEncodeThemselves() throws {
        let binding = ProcessBinding(cpus: CPUSet(0...3), memoryPolicy: .bind, memoryNodes: [1])
        #expect(binding.description == "CPUs 0-3, memory bind [1]")
        #expect(ProcessBinding(cpus: [2]).description == "CPUs 2, memory default")
        let data = try JSONEncoder().encode(binding)
        #expect(try JSONDecoder().decode(ProcessBinding.self, from: data) == binding)
    }
}
